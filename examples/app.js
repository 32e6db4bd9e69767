// The examples page: read a trace file, simulate the default scenario, or show the run that
// `gotracesim serve DIR` serves under /data/; then the summary, and the report's views (drawn
// by /vendor/views.js): the profile against the truth as flame graphs and a table
// (GtsFlame), and the timeline of every P and goroutine (GtsTimeline).
import { traceSummary, validateTrace, simulate, DEFAULT_SCENARIO, isolated, profileView, timelineOf, decodeProfile } from '../build/gotracesim-browser.js';

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

/** The report's views: flame graphs and top functions (when there is a profile), timeline. */
function views(bytes, cpu, truth, lostAtStop) {
  $('flames').replaceChildren();
  $('profile-section').hidden = !cpu;
  if (cpu) window.GtsFlame.create($('flames'), profileView(cpu, truth));
  $('timeline-view').replaceChildren();
  window.GtsTimeline.create($('timeline-view'), timelineOf(bytes).timeline, { lostAtStop });
}

/** Show a trace's summary; `sim` is the simulator's summary when there is one. */
async function show(title, bytes, sim, cpu, truth) {
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
    const t = sim.truth;
    rows($('sim-table'), [
      ['Go release', sim.go],
      ['GOMAXPROCS', sim.gomaxprocs],
      ['OS CPU (ms)', (p.osCpuNs.total / 1e6).toFixed(3)],
      ['profiled CPU (ms)', (p.profiledCpuNs / 1e6).toFixed(3)],
      ['SIGPROF delivered', p.delivered],
      ['samples in profile', p.inProfile],
      ['lost to overflow', p.lostToOverflow],
      ['TVD from the truth, functions', t ? t.tvd.functions.toFixed(4) : ''],
      ['TVD from the truth, goroutines', t ? t.tvd.goroutines.toFixed(4) : ''],
      ['worst function', t && t.worstFunction ? `${t.worstFunction.name} (${(100 * t.worstFunction.shareDiff).toFixed(2)} pp)` : ''],
      ['trace bytes', sim.trace ? sim.trace.bytes : ''],
    ], ['figure', 'value']);
  }
  $('sim').hidden = !sim;
  $('result').hidden = false;
  views(bytes, cpu, truth, sim?.trace?.cpuSamples?.lostAtStop ?? 0);
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
    await show(f.name, bytes, null, null, null);
    status(`Read ${f.name} (${bytes.length} bytes) in ${(performance.now() - t0).toFixed(0)} ms.`);
  } catch (e) {
    status(`${f.name}: ${e.message}`, true);
    console.warn(e);
  }
});

$('simulate').addEventListener('click', async () => {
  if (!isolated()) {
    status('The simulator needs shared memory: this page is not cross-origin isolated. Serve it with `npx gotracesim serve` (COOP: same-origin, COEP: require-corp).', true);
    return;
  }
  status('Simulating the default scenario…');
  await new Promise((r) => setTimeout(r, 0)); // let the status paint
  try {
    const t0 = performance.now();
    const r = simulate(DEFAULT_SCENARIO, { trace: true });
    const t1 = performance.now();
    await show(`simulated: ${r.summary.scenario} (Go ${r.summary.go}, seed ${r.summary.seed})`, r.trace, r.summary, r.profile, r.truth);
    status(`Simulated in ${(t1 - t0).toFixed(0)} ms, shown in ${(performance.now() - t1).toFixed(0)} ms.`);
  } catch (e) {
    status(`simulate: ${e.message}`, true);
    console.warn(e);
  }
});

/** `gotracesim serve DIR`: a run directory under /data/. */
async function servedRun() {
  const r = await fetch('/data/');
  if (!r.ok) return null;
  const { files } = await r.json();
  return files.includes('summary.json') && files.includes('trace.out') ? files : null;
}

$('load-served').addEventListener('click', async () => {
  status('Loading the served run…');
  try {
    const get = async (f) => new Uint8Array(await (await fetch(`/data/${f}`)).arrayBuffer());
    const files = await servedRun();
    const summary = JSON.parse(new TextDecoder().decode(await get('summary.json')));
    const cpu = files.includes('cpu.pprof') ? decodeProfile(await get('cpu.pprof')) : null;
    const truth = files.includes('truth.pprof') ? decodeProfile(await get('truth.pprof')) : null;
    await show(`served run: ${summary.scenario} (Go ${summary.go}, seed ${summary.seed})`, await get('trace.out'), summary, cpu, truth);
    $('result').dataset.source = 'served';
    status('Showing the run served under /data/.');
  } catch (e) {
    status(`served run: ${e.message}`, true);
    console.warn(e);
  }
});

if (!isolated()) {
  $('simulate').disabled = true;
  $('simulate').title = 'needs a cross-origin isolated page: `npx gotracesim serve`';
  status('Traces can be read here; simulating needs a cross-origin isolated page (`npx gotracesim serve`).');
} else status('Ready.');
if (await servedRun().catch(() => null)) $('load-served').hidden = false;
document.body.dataset.ready = 'true';
