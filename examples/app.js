// The examples page: read a trace file, or simulate the default scenario, and show the summary.
import { traceSummary, validateTrace, simulate, DEFAULT_SCENARIO, isolated } from '../build/gotracesim-browser.js';

const $ = (id) => document.getElementById(id);
const status = (text, error = false) => {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
};

function rows(table, entries, head) {
  table.replaceChildren();
  const tr = document.createElement('tr');
  for (const h of head) tr.appendChild(Object.assign(document.createElement('th'), { textContent: h, className: 'l' }));
  table.appendChild(tr);
  for (const [k, v] of entries) {
    const r = document.createElement('tr');
    r.appendChild(Object.assign(document.createElement('td'), { textContent: k, className: 'l' }));
    r.appendChild(Object.assign(document.createElement('td'), { textContent: String(v) }));
    table.appendChild(r);
  }
}

/** Show a trace's summary; `sim` is the simulator's summary when the trace was simulated. */
async function show(title, bytes, sim) {
  const err = await validateTrace(bytes);
  if (err) throw new Error(`invalid trace: ${err.message} (byte ${err.offset})`);
  const s = await traceSummary(bytes);
  $('result-title').textContent = title;
  $('format').textContent = s.format;
  $('events').textContent = String(s.totalEvents);
  $('duration').textContent = `${(s.durationNs / 1e6).toFixed(3)} ms`;
  $('generations').textContent = String(s.generations);
  $('goroutines').textContent = String(s.goroutines.length);
  $('procs').textContent = String(s.procs.length);
  $('cpu-samples').textContent = String(s.cpuSamples.total);
  rows($('event-counts'), Object.entries(s.events).sort((a, b) => b[1] - a[1]), ['event', 'count']);
  rows($('by-stack'), Object.entries(s.cpuSamples.byStack).slice(0, 20), ['top frame', 'samples']);
  if (sim) {
    const p = sim.profile;
    rows($('sim-table'), [
      ['Go release', sim.go],
      ['GOMAXPROCS', sim.gomaxprocs],
      ['OS CPU (ms)', (p.osCpuNs.total / 1e6).toFixed(3)],
      ['profiled CPU (ms)', (p.profiledCpuNs / 1e6).toFixed(3)],
      ['SIGPROF delivered', p.delivered],
      ['samples in profile', p.inProfile],
      ['lost to overflow', p.lostToOverflow],
      ['trace bytes', sim.trace ? sim.trace.bytes : ''],
    ], ['figure', 'value']);
  }
  $('sim').hidden = !sim;
  $('result').hidden = false;
  const r = $('result');
  r.dataset.format = s.format;
  r.dataset.events = String(s.totalEvents);
  r.dataset.goroutines = String(s.goroutines.length);
  r.dataset.samples = String(s.cpuSamples.total);
  r.dataset.source = sim ? 'simulated' : 'file';
  return s;
}

$('trace-file').addEventListener('change', async (ev) => {
  const f = ev.target.files?.[0];
  if (!f) return;
  status(`Reading ${f.name}…`);
  try {
    const bytes = new Uint8Array(await f.arrayBuffer());
    const t0 = performance.now();
    await show(f.name, bytes, null);
    status(`Read ${f.name} (${bytes.length} bytes) in ${(performance.now() - t0).toFixed(0)} ms.`);
  } catch (e) {
    status(`${f.name}: ${e.message}`, true);
    console.warn(e);
  }
});

$('simulate').addEventListener('click', async () => {
  if (!isolated()) {
    status('The simulator needs shared memory: serve this page with COOP: same-origin and COEP: require-corp.', true);
    return;
  }
  status('Simulating the default scenario…');
  await new Promise((r) => setTimeout(r, 0)); // let the status paint
  try {
    const t0 = performance.now();
    const r = simulate(DEFAULT_SCENARIO, { trace: true });
    const t1 = performance.now();
    await show(`simulated: ${r.summary.scenario} (Go ${r.summary.go}, seed ${r.summary.seed})`, r.trace, r.summary);
    status(`Simulated in ${(t1 - t0).toFixed(0)} ms, summarized in ${(performance.now() - t1).toFixed(0)} ms.`);
  } catch (e) {
    status(`simulate: ${e.message}`, true);
    console.warn(e);
  }
});

document.body.dataset.ready = 'true';
