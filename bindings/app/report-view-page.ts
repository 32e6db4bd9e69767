// The report page's own script (plain JS in a string): reads the embedded data and lays out a
// run report (summary, profile vs truth, flame graphs and top functions via GtsFlame, the
// timeline via GtsTimeline, goroutines, profBuf occupancy with Chart.js, threads) or a sweep
// report (one Chart.js chart per SweepChart: plots by axis, category axes for names, dashed
// expectations; every row). Charts are drawn with animation off, so the page is complete at
// load; body gets data-rendered="ok" when every view is up, or data-error.
// Who may touch: the report owner.

export const REPORT_PAGE_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('report');
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  var PALETTE = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7','#9c755f','#bab0ac'];
  function color(i) { return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function section(title, note) {
    root.appendChild(el('h2', {}, title));
    if (note) root.appendChild(el('p', { class: 'note' }, note));
  }
  function box(id) { var b = el('div', { id: id, class: 'view' }); root.appendChild(b); return b; }
  function chart(id, height, config) {
    var b = el('div', { class: 'chart', style: 'height:' + height + 'px' });
    var c = el('canvas', { id: id });
    b.appendChild(c);
    root.appendChild(b);
    var ch = new Chart(c, config);
    var n = 0;
    ch.data.datasets.forEach(function (d) { n += d.data.length; });
    c.setAttribute('data-points', String(n));
    return ch;
  }
  function table(id, head, rows, leftCols) {
    var wrap = el('div', { class: 'scroll' });
    var t = el('table', id ? { id: id } : {});
    var tr = el('tr');
    head.forEach(function (h, i) { tr.appendChild(el('th', { class: (leftCols || []).indexOf(i) >= 0 ? 'l' : '' }, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (v, i) { tr.appendChild(el('td', { class: (leftCols || []).indexOf(i) >= 0 ? 'l' : '' }, v === undefined || v === null ? '' : String(v))); });
      t.appendChild(tr);
    });
    wrap.appendChild(t);
    root.appendChild(wrap);
    return t;
  }
  var ms = function (ns) { return (ns / 1e6).toFixed(3) + ' ms'; };
  var pct = function (x) { return (100 * x).toFixed(2) + '%'; };
  var pp = function (x) { return (x >= 0 ? '+' : '') + (100 * x).toFixed(2) + ' pp'; };

  function runReport(d) {
    var s = d.summary, p = s.profile, tr = s.truth;
    section('Summary');
    table('summary', ['scenario', 'Go', 'seed', 'duration', 'GOMAXPROCS', 'timer', 'hz', 'OS CPU', 'profiled CPU', 'ratio', 'signals', 'dropped', 'delivered', 'in profile', 'lost (overflow)'],
      [[s.scenario, s.go, s.seed, ms(s.durationNs), s.gomaxprocs, p.timer, p.hz, ms(p.osCpuNs.total), ms(p.profiledCpuNs), pct(p.ratio), p.signals, p.droppedByValidSIGPROF, p.delivered, p.inProfile, p.lostToOverflow]], [0]);
    if (s.trace) {
      var evs = 0; for (var k in s.trace.events) evs += s.trace.events[k];
      table('trace-summary', ['trace format', 'events', 'bytes', 'generations', 'CPU samples taken', 'in trace', 'overflowed', 'lost at stop', 'misplaced', 'misplaced, seen in the trace'],
        [[s.trace.format, evs, s.trace.bytes, s.trace.generations === undefined ? '' : s.trace.generations, s.trace.cpuSamples.taken, s.trace.cpuSamples.inTrace, s.trace.cpuSamples.overflowed, s.trace.cpuSamples.lostAtStop, s.trace.cpuSamples.misplaced, d.timeline ? d.timeline.totals.misplaced : '']], [0]);
    }

    section('Profile vs truth',
      'truth.pprof holds the CPU time the simulator charged to each stack and label set, exactly; cpu.pprof what sampling recorded. ' +
      'Total variation distance (TVD) = ½ Σ |sampled share − true share|, over leaf functions, goroutines or label sets: 0 when every share is right, 1 when the two disagree completely. ' +
      'Worst function: the largest difference of shares. go tool pprof -diff_base truth.pprof cpu.pprof shows the same difference.');
    if (tr) {
      var w = tr.worstFunction;
      table('truth-measures', ['true CPU', 'profiled CPU', 'profiled / true', 'TVD functions', 'TVD goroutines', 'TVD labels', 'worst function', 'true share', 'sampled share', 'Δ'],
        [[ms(tr.trueCpuNs), ms(tr.profiledCpuNs), pct(tr.trueCpuNs ? tr.profiledCpuNs / tr.trueCpuNs : 0), tr.tvd.functions.toFixed(4), tr.tvd.goroutines.toFixed(4), tr.tvd.labels.toFixed(4),
          w ? w.name : '', w ? pct(w.trueShare) : '', w ? pct(w.profiledShare) : '', w ? pp(w.shareDiff) : '']], [6]);
    }
    if (d.profileNote) root.appendChild(el('p', { class: 'note' }, d.profileNote));
    if (d.profile) GtsFlame.create(box('flames'), d.profile);

    var tl = d.timeline;
    if (tl) {
      section('Timeline: every P and every goroutine',
        tl.tracks.length + ' rows (' + tl.procs + ' Ps, ' + tl.totals.goroutines + ' goroutines), ' + tl.totals.slices + ' slices' + (tl.resNs ? ', kept at ' + GtsTimeline.format(tl.resNs) + ' resolution (' + tl.totals.segments + ' segments: closer neighbours merged)' : ', all kept') + '; ' +
        tl.totals.cpuSamples + ' CPU samples (black ticks' + (tl.samplesShown < tl.totals.cpuSamples ? ', ' + tl.samplesShown + ' shown' : '') + '), ' + tl.totals.misplaced + ' misplaced into a later generation (orange), ' +
        tl.generations.length + ' generation boundaries (dashed red), GC (grey) and stop-the-world (red) rows. Ctrl+wheel or W/S zoom, drag or A/D pan, wheel scrolls the goroutine rows.');
      GtsTimeline.create(box('timeline-view'), tl, { lostAtStop: s.trace ? s.trace.cpuSamples.lostAtStop : 0 });
    } else section('Timeline', d.timelineNote || 'no trace');

    section('Goroutines: true CPU vs samples',
      'True: CPU charged while the goroutine was m.curg. Sampled: SIGPROFs delivered while it was m.curg (× period). Trace: CPU sample events attributed to it in trace.out. The ' + d.goroutines.length + ' that used most CPU.');
    var period = p.periodNs, T = s.profile.osCpuNs.total, P = p.delivered * period;
    table('goroutines', ['G', 'template', 'true CPU', 'sampled', 'true share', 'sampled share', 'Δ', 'trace samples'], d.goroutines.map(function (g) {
      var ts = T ? g.trueNs / T : 0, ps = P ? g.profile * period / P : 0;
      return ['G' + g.g, g.template, ms(g.trueNs), ms(g.profile * period), pct(ts), pct(ps), pp(ps - ts), g.trace === null ? '' : g.trace];
    }), [1]);

    var pb = d.profBuf;
    section('profBuf occupancy and overflow',
      'At each pass of the profile reader (every profile.readEvery, 100 ms by default, and at stop): the words it found in the profBuf (capacity ' + pb.capacityWords + ' words), and the writes lost to overflow since the previous pass.');
    chart('profbuf', 280, {
      type: 'line',
      data: { datasets: [
        { label: 'occupancy (% of capacity)', data: pb.reads.map(function (r) { return { x: r[0] / 1e6, y: pb.capacityWords ? 100 * r[1] / pb.capacityWords : r[1] }; }), borderColor: '#4e79a7', backgroundColor: '#4e79a7', yAxisID: 'y' },
        { type: 'bar', label: 'writes lost to overflow', data: pb.reads.map(function (r) { return { x: r[0] / 1e6, y: r[2] }; }), backgroundColor: '#e15759', yAxisID: 'y1', barThickness: 6 }
      ] },
      options: { scales: {
        x: { type: 'linear', title: { display: true, text: 'time (ms)' } },
        y: { beginAtZero: true, position: 'left', title: { display: true, text: 'occupancy %' } },
        y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'lost writes' } }
      } }
    });

    section('Threads', 'Profiled: samples handed to cpuprof.add on the thread × period; true: its CPU time (user + system).');
    var byId = {};
    (tr ? tr.threads : []).forEach(function (t) { byId[t.id] = t; });
    table('threads', ['id', 'kind', 'name', 'user', 'sys', 'true CPU', 'profiled', 'profiled / true', 'signals', 'dropped', 'samples'], s.threads.map(function (t) {
      var x = byId[t.id];
      return [t.id, t.kind, t.name || '', ms(t.userNs), ms(t.sysNs), ms(t.userNs + t.sysNs), ms(t.samples * period), x && x.ratio !== null ? x.ratio.toFixed(4) : '', t.signals, t.dropped, t.samples];
    }), [1, 2]);
  }

  function sweepReport(d) {
    section('Sweep', d.rows.length + ' runs, ' + d.failed + ' failed; axes: ' + (d.axes.join(', ') || '(none)') + '. Each chart has one axis on x; each line is one combination of the other axes (seed means).');
    d.charts.forEach(function (c) {
      section(c.title);
      var xs = [];
      c.series.forEach(function (s) { s.points.forEach(function (p) { if (xs.indexOf(p[0]) < 0) xs.push(p[0]); }); });
      xs.sort(function (a, b) { return a - b; });
      var x = c.xType === 'category'
        ? { type: 'linear', min: -0.5, max: c.categories.length - 0.5, title: { display: true, text: c.xLabel }, afterBuildTicks: function (axis) { axis.ticks = c.categories.map(function (_, i) { return { value: i }; }); }, ticks: { callback: function (v) { return c.categories[v] === undefined ? '' : c.categories[v]; } } }
        : { type: c.xType === 'log' ? 'logarithmic' : 'linear', title: { display: true, text: c.xLabel },
            afterBuildTicks: xs.length ? function (axis) { axis.ticks = xs.map(function (v) { return { value: v }; }); } : undefined,
            ticks: { callback: function (v) { return Number(v).toLocaleString('en-US'); } } };
      chart('sweep-' + c.id.replace(/[^a-zA-Z0-9_-]/g, '_'), 300, {
        type: 'line',
        data: { datasets: c.series.map(function (s, i) { return { label: s.label, data: s.points.map(function (p) { return { x: p[0], y: p[1] }; }), borderColor: s.dashed ? '#555' : color(i), backgroundColor: s.dashed ? '#555' : color(i), borderDash: s.dashed ? [6, 4] : [], pointRadius: s.dashed ? 0 : 3, showLine: c.xType !== 'category' }; }) },
        options: { scales: { x: x, y: { beginAtZero: true, title: { display: true, text: c.yLabel } } } }
      });
    });
    section('Rows');
    var metricCols = ['delivered', 'inProfile', 'lostToOverflow', 'ratio', 'truthTvdFunctions', 'truthTvdGoroutines', 'traceCpuTaken', 'traceCpuInTrace', 'traceCpuMisplaced'];
    table('rows', ['index'].concat(d.axes, ['seed', 'status'], metricCols, ['error']), d.rows.map(function (r) {
      return [r.index].concat(d.axes.map(function (a) { return typeof r.params[a] === 'string' ? r.params[a] : JSON.stringify(r.params[a]); }), [r.seed, r.status],
        metricCols.map(function (m) { return r.metrics ? r.metrics[m] : ''; }), [r.error || '']);
    }), []);
  }

  try {
    if (data.kind === 'run') runReport(data); else sweepReport(data);
    document.body.setAttribute('data-rendered', 'ok');
  } catch (e) {
    document.body.setAttribute('data-error', String(e && e.stack || e));
    throw e;
  }
})();
`;
