// The profile views (page script, plain JS in a string), for the report and the examples page:
//
//   GtsFlame.create(container, view)  — view: report-profile.ts's ProfileView
//
// draws, with d3-flame-graph (global `flamegraph`, on the global `d3`): the diff of the profile
// against the truth (width: the mean of the two, colour: red where the profile over-samples a
// frame, blue where it under-samples, by |Δ| relative to the frame), the profile alone and the
// truth alone; then the top-functions table, flat and cumulative, sampled against true, with
// the difference of shares coloured the same way. Each chart's container gets data-frames (the
// frames drawn) for tests.
// Who may touch: the report owner.

export const FLAME_VIEW_JS = String.raw`
(function () {
  'use strict';
  function ms(ns) { return (ns / 1e6).toFixed(ns >= 1e8 ? 0 : ns >= 1e6 ? 1 : 3) + ' ms'; }
  function pct(x) { return (100 * x).toFixed(2) + '%'; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  /** Grey → red (v > 0) or → blue (v < 0); full at |v| ≥ 1, on a square-root scale so that
   *  errors of a few percent still show. */
  function diverging(v) {
    var a = Math.min(1, Math.sqrt(Math.abs(v)));
    var to = v > 0 ? [214, 39, 40] : [31, 119, 180], from = [236, 236, 236];
    return 'rgb(' + from.map(function (c, i) { return Math.round(c + (to[i] - c) * a); }).join(',') + ')';
  }

  function chart(parent, id, title, note, root, total, opts) {
    parent.appendChild(el('h3', {}, title));
    if (note) parent.appendChild(el('p', { class: 'note' }, note));
    var box = el('div', { id: id, class: 'flame' });
    var details = el('div', { class: 'flame-details' }, ' ');
    parent.appendChild(box);
    parent.appendChild(details);
    var width = Math.max(400, Math.min(1200, parent.clientWidth || 1000));
    var fg = (flamegraph.default || flamegraph)().width(width).cellHeight(18).transitionDuration(0).minFrameSize(0).sort(true).selfValue(false).setDetailsElement(details);
    fg.label(opts.label || function (d) { return d.data.name + ': ' + ms(d.value) + ' (' + pct(d.value / total) + ')'; });
    if (opts.color) fg.setColorMapper(opts.color);
    d3.select(box).datum(root).call(fg);
    box.setAttribute('data-frames', String(box.querySelectorAll('svg rect').length));
    return fg;
  }

  function create(container, view) {
    var P = view.profiledNs, T = view.trueNs;
    if (view.flame.diff) {
      chart(container, 'flame-diff', 'Profile vs truth (diff)',
        'Width: the mean of the true and the profiled time (the profile scaled to the true total, ' + ms(T) + '). Red: the profile over-samples the frame; blue: it under-samples it; the deeper the colour, the larger the error relative to the frame (full at 25%). Click a frame to zoom.',
        view.flame.diff, T, {
          // Full colour at a relative error of 25%.
          color: function (d) { return d.data.value > 0 ? diverging(4 * (d.data.delta || 0) / d.data.value) : '#eee'; },
          label: function (d) {
            var x = d.data, ps = P ? x.p / P : 0, ts = T ? x.t / T : 0, dd = ps - ts;
            return x.name + ': true ' + ms(x.t) + ' (' + pct(ts) + '), profiled ' + ms(x.p) + ' (' + pct(ps) + '), ' + (dd >= 0 ? '+' : '') + (100 * dd).toFixed(2) + ' pp';
          }
        });
    }
    chart(container, 'flame-profile', 'Profile (cpu.pprof)', 'What the sampling profiler recorded: ' + ms(P) + '.', view.flame.profile, P, {});
    if (view.flame.truth) chart(container, 'flame-truth', 'Truth (truth.pprof)', 'The CPU time the simulator charged, exactly: ' + ms(T) + '.', view.flame.truth, T, {});

    container.appendChild(el('h3', {}, 'Top functions: sampled vs true'));
    container.appendChild(el('p', { class: 'note' }, 'Flat: time with the function as the leaf; cumulative: time with it anywhere on the stack. Shares are of each profile\'s own total; Δ = sampled share − true share (percentage points). ' + view.top.length + ' of ' + view.functions + ' functions.'));
    var wrap = el('div', { class: 'scroll' }), t = el('table', { id: 'top-functions' }), tr = el('tr');
    var head = ['function', 'flat sampled', 'flat true', 'Δ flat', 'cum sampled', 'cum true', 'Δ cum'];
    head.forEach(function (h, i) { tr.appendChild(el('th', { class: i === 0 ? 'l' : '' }, h)); });
    t.appendChild(tr);
    view.top.forEach(function (f) {
      var row = el('tr'), df = (P ? f.flatP / P : 0) - (T ? f.flatT / T : 0), dc = (P ? f.cumP / P : 0) - (T ? f.cumT / T : 0);
      function cell(text, cls, bg) { var c = el('td', { class: cls || '' }, text); if (bg) c.style.background = bg; row.appendChild(c); }
      cell(f.name, 'l');
      cell(ms(f.flatP) + ' ' + pct(P ? f.flatP / P : 0));
      cell(T === null ? '' : ms(f.flatT) + ' ' + pct(T ? f.flatT / T : 0));
      cell(T === null ? '' : (df >= 0 ? '+' : '') + (100 * df).toFixed(2), '', T === null ? '' : diverging(df * 20));
      cell(ms(f.cumP) + ' ' + pct(P ? f.cumP / P : 0));
      cell(T === null ? '' : ms(f.cumT) + ' ' + pct(T ? f.cumT / T : 0));
      cell(T === null ? '' : (dc >= 0 ? '+' : '') + (100 * dc).toFixed(2), '', T === null ? '' : diverging(dc * 20));
      t.appendChild(row);
    });
    wrap.appendChild(t);
    container.appendChild(wrap);
  }
  window.GtsFlame = { create: create };
})();
`;
