// ReportError: bad input to `gotracesim report` (not a run or sweep directory, an unreadable or
// malformed file): one line naming the file and the problem; the CLI makes it exit 1.
// Who may touch: the report owner.

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}
