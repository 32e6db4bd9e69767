// The README's scenario reference, generated from the schema (schema.ts) so that the docs name
// exactly the fields, kinds, ranges and defaults the validator applies. `npm run docs:scenario`
// prints it (scripts/scenario-docs.ts); test/scenario-schema.test.ts checks the README's copy.

import { SCENARIO, STEPS, type FieldSpec, type Fields } from './schema.ts';
import { formatNs } from './validate.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');
const code = (v: unknown) => `\`${JSON.stringify(v)}\``;

/** Large limits as people write them: 2^53-1, 2^28-1, 10^12. */
function bound(n: number): string {
  if (n > 1 << 20 && Number.isInteger(Math.log2(n + 1))) return `2^${Math.log2(n + 1)}-1`;
  if (n >= 1e6 && Number.isInteger(Math.log10(n))) return `10^${Math.log10(n)}`;
  return String(n);
}

/** What a field accepts, in words. */
export function kindText(f: FieldSpec): string {
  switch (f.kind) {
    case 'duration': {
      const r = [f.positive ? '> 0' : f.min !== undefined ? `≥ ${formatNs(f.min)}` : '≥ 0', f.max !== undefined ? `≤ ${formatNs(f.max)}` : ''];
      return `duration ${r.filter(Boolean).join(', ')}`;
    }
    case 'size':
      return 'size > 0';
    case 'int':
      return `integer ${bound(f.min)}–${bound(f.max)}`;
    case 'number':
      return `number in ${f.openMin ? '(' : '['}${f.min}, ${f.max}]`;
    case 'enum':
      return f.values.map((v) => code(v)).join(', ');
    case 'bool':
      return 'boolean';
    case 'true':
      return '`true`';
    case 'string':
      return f.empty ? 'string' : 'non-empty string';
    case 'object':
      return 'object';
    case 'list':
      return `${f.nonEmpty ? 'non-empty array' : 'array'}${f.noun ? ` of ${f.noun}` : ''}`;
    case 'stacks':
      return 'object: name → frames';
    case 'stack':
      return 'stack name, or frames';
    case 'frames':
      return 'frames';
    case 'labels':
      return 'object of strings';
    case 'steps':
      return 'array of steps';
    case 'channel':
      return 'channel name';
    case 'template':
      return 'template name';
    case 'switches':
      return 'object: switch → value';
  }
}

/** The default, or what leaving the field out means. */
export function defaultText(f: FieldSpec): string {
  if (f.required) return 'required';
  if ('default' in f && f.default !== undefined) return code(f.default);
  if (f.unset) return f.unset;
  return f.kind === 'object' ? '`{}`' : '';
}

function rows(fields: Fields, prefix: string, out: string[]): void {
  for (const [name, f] of Object.entries(fields)) {
    const path = `${prefix}${name}`;
    out.push(`| \`${path}\` | ${cell(kindText(f))} | ${cell(defaultText(f))} | ${cell(f.doc)} |`);
    if (f.kind === 'object') rows(f.fields, `${path}.`, out);
    if (f.kind === 'list') rows(f.of.fields, `${path}[].`, out);
  }
}

/** The field table and the step table, as Markdown. */
export function scenarioDocs(): string {
  const out = ['| field | accepts | default | meaning |', '|---|---|---|---|'];
  rows(SCENARIO, '', out);
  out.push('', '| step | fields (first: the step\'s own key) | meaning |', '|---|---|---|');
  for (const [name, s] of Object.entries(STEPS)) {
    const fields = Object.entries(s.fields as Fields).map(([k, f]) => {
      const d = f.required ? '' : 'default' in f && f.default !== undefined ? ` (default ${code(f.default)})` : f.unset ? ` (absent: ${f.unset})` : '';
      return `\`${k}\`: ${kindText(f)}${d}`;
    });
    out.push(`| \`${name}\` | ${cell(fields.join('; '))} | ${cell(s.doc)} |`);
  }
  return out.join('\n') + '\n';
}
