// The timeline view (page script, plain JS in a string): draws a TimelineData
// (report-timeline.ts) on one canvas, with zoom and pan, for the report and the examples page.
//
//   GtsTimeline.create(container, data, { lostAtStop }) → { view(), setView(t0, t1), zoom(f, at),
//     pan(frac), scrollRows(n), stats(), rowBox(i) }   (also canvas.gtsTimeline)
//
// Tracks are decoded once into typed arrays (start, end, g per track); a paint walks only the
// segments in view (binary search for the first), coalescing those that fall in one pixel, so
// its cost is bounded by the segments in view and its rectangles by the canvas width per row.
// Rows: every P (pinned at the top), "no P" when samples lack one, GC cycles (grey) and
// stop-the-world pauses (red), then every goroutine (scrolled with the wheel). Over them:
// generation boundaries (dashed red), CPU samples (black ticks on their P's row and their
// goroutine's), samples misplaced into a later generation (orange triangles), samples lost at
// stop (a note at the end). Wheel with Ctrl/Alt or over the time axis zooms at the cursor,
// Shift+wheel and drag pan, W/S/A/D too; +, −, reset buttons. The canvas carries
// data-view-start/-end (ns), data-rows-painted and data-procs-painted (rows with something
// drawn in the last paint) for tests.
// Who may touch: the report owner.

import { VARINT_DECODER_JS } from './report-codec.ts';

export const TIMELINE_VIEW_JS =
  VARINT_DECODER_JS +
  String.raw`
(function () {
  'use strict';
  var PALETTE = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7','#9c755f','#86bcb6','#d37295','#8cd17d','#b6992d','#499894','#f1ce63','#a0cbe8'];
  function gcolor(g) { return g <= 0 ? '#999' : PALETTE[(g * 7 + (g >> 4)) % PALETTE.length]; }
  var AXIS = 24, GUTTER = 64, PROW = 18, GROW = 12, MAXH = 640;

  function fmtT(ns) {
    var a = Math.abs(ns);
    if (a >= 1e9) return (ns / 1e9).toFixed(a >= 1e10 ? 1 : 3) + ' s';
    if (a >= 1e6) return (ns / 1e6).toFixed(a >= 1e7 ? 1 : 3) + ' ms';
    if (a >= 1e3) return (ns / 1e3).toFixed(a >= 1e4 ? 1 : 3) + ' µs';
    return Math.round(ns) + ' ns';
  }

  function decodeSegments(tr) {
    var n = tr.n, withG = tr.kind === 'p', step = withG ? 3 : 2;
    var v = n ? gtsVarints(tr.seg) : new Float64Array(0);
    var s = new Float64Array(n), e = new Float64Array(n), g = withG ? new Int32Array(n) : null, prev = 0;
    for (var i = 0; i < n; i++) {
      var st = prev + gtsUnzigzag(v[i * step]);
      s[i] = st; e[i] = st + v[i * step + 1]; prev = e[i];
      if (g) g[i] = v[i * step + 2];
    }
    return { name: tr.name, kind: tr.kind, id: tr.id, s: s, e: e, g: g };
  }

  function decodeBands(b) {
    var v = b ? gtsVarints(b) : new Float64Array(0), n = v.length / 2, s = new Float64Array(n), e = new Float64Array(n), prev = 0;
    for (var i = 0; i < n; i++) { s[i] = prev + gtsUnzigzag(v[2 * i]); e[i] = s[i] + v[2 * i + 1]; prev = e[i]; }
    return { s: s, e: e };
  }

  /** First index with e[i] >= t (segments are time-ordered and disjoint). */
  function firstEnding(e, t) {
    var lo = 0, hi = e.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (e[mid] < t) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function create(container, data, opts) {
    opts = opts || {};
    var tracks = data.tracks.map(decodeSegments);
    // GC and STW as rows of their own, after the Ps (sample rows index the Ps as they are).
    var gc = decodeBands(data.gc), stw = decodeBands(data.stw);
    var nP = tracks.filter(function (t) { return t.kind !== 'g'; }).length;
    tracks.splice(nP, 0, { name: 'GC', kind: 'gc', id: 0, s: gc.s, e: gc.e, g: null }, { name: 'STW', kind: 'stw', id: 0, s: stw.s, e: stw.e, g: null });
    var gRow = {};
    tracks.forEach(function (t, i) { if (t.kind === 'g') gRow[t.id] = i; });
    var nFixed = tracks.filter(function (t) { return t.kind !== 'g'; }).length;
    var nG = tracks.length - nFixed;
    // Samples, sorted by time (misplaced ones arrive out of order).
    var sv = data.samplesShown ? gtsVarints(data.samples) : new Float64Array(0);
    var ns = data.samplesShown, order = new Array(ns), st = new Float64Array(ns), sr = new Int32Array(ns), sg = new Int32Array(ns), prev = 0;
    for (var i = 0; i < ns; i++) { prev += gtsUnzigzag(sv[3 * i]); st[i] = prev; sr[i] = sv[3 * i + 1] - 1; sg[i] = sv[3 * i + 2]; order[i] = i; }
    order.sort(function (a, b) { return st[a] - st[b]; });
    var sT = new Float64Array(ns), sR = new Int32Array(ns), sG = new Int32Array(ns);
    order.forEach(function (k, j) { sT[j] = st[k]; sR[j] = sr[k]; sG[j] = sg[k]; });
    var span = Math.max(1, data.spanNs);

    var bar = document.createElement('div');
    bar.className = 'tl-bar';
    function button(label, title, fn) { var b = document.createElement('button'); b.type = 'button'; b.textContent = label; b.title = title; b.addEventListener('click', fn); bar.appendChild(b); return b; }
    var range = document.createElement('span');
    range.className = 'tl-range';
    container.appendChild(bar);
    var canvas = document.createElement('canvas');
    canvas.id = opts.id || 'timeline';
    canvas.tabIndex = 0;
    canvas.className = 'tl-canvas';
    container.appendChild(canvas);
    var tip = document.createElement('div');
    tip.className = 'tl-tip';
    tip.hidden = true;
    container.appendChild(tip);

    var gVisible = Math.max(0, Math.min(nG, Math.floor((MAXH - AXIS - nFixed * PROW - 6) / GROW)));
    var cssH = AXIS + nFixed * PROW + (nG ? 6 + gVisible * GROW : 0) + 4;
    var v0 = 0, v1 = span, scroll = 0, cssW = 0;
    var last = { rows: 0, procs: 0, rects: 0 };

    function clampView() {
      var w = v1 - v0, minW = 100;
      if (w < minW) { var c = (v0 + v1) / 2; v0 = c - minW / 2; v1 = c + minW / 2; w = minW; }
      if (w > span) { v0 = 0; v1 = span; return; }
      if (v0 < 0) { v1 -= v0; v0 = 0; }
      if (v1 > span) { v0 -= v1 - span; v1 = span; }
    }
    function rowY(i) {
      if (i < nFixed) return AXIS + i * PROW;
      var k = i - nFixed - scroll;
      return k < 0 || k >= gVisible ? -1 : AXIS + nFixed * PROW + 6 + k * GROW;
    }
    function rowH(i) { return i < nFixed ? PROW : GROW; }

    function paint() {
      var dpr = window.devicePixelRatio || 1;
      cssW = Math.max(300, container.clientWidth || 1000);
      canvas.style.width = cssW + 'px';
      canvas.style.height = cssH + 'px';
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      var ctx = canvas.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, cssW, cssH);
      var W = cssW - GUTTER, k = W / (v1 - v0);
      function X(t) { return GUTTER + (t - v0) * k; }
      var rows = 0, procs = 0, rects = 0;
      for (var r = 0; r < tracks.length; r++) {
        var y = rowY(r);
        if (y < 0) continue;
        var h = rowH(r) - 2, t = tracks[r], drawn = 0;
        var curX0 = -1, curX1 = -1, curC = '';
        for (var j = firstEnding(t.e, v0); j < t.s.length && t.s[j] <= v1; j++) {
          var xa = Math.floor(Math.max(GUTTER, X(t.s[j]))), xb = Math.max(xa + 1, Math.ceil(Math.min(cssW, X(t.e[j]))));
          var c = t.kind === 'gc' ? '#888' : t.kind === 'stw' ? '#d62728' : gcolor(t.g ? t.g[j] : t.id);
          if (c === curC && xa <= curX1) { if (xb > curX1) curX1 = xb; continue; }
          if (xa < curX1) { if (xb <= curX1) continue; xa = curX1; }
          if (curC) { ctx.fillStyle = curC; ctx.fillRect(curX0, y + 1, curX1 - curX0, h); drawn++; }
          curX0 = xa; curX1 = xb; curC = c;
        }
        if (curC) { ctx.fillStyle = curC; ctx.fillRect(curX0, y + 1, curX1 - curX0, h); drawn++; }
        if (drawn) { rows++; if (t.kind === 'p') procs++; }
        rects += drawn;
      }
      // Samples: a tick on the sample's P row and on its goroutine's row.
      ctx.fillStyle = '#000';
      var lo = firstEnding(sT, v0);
      for (var q = lo; q < ns && sT[q] <= v1; q++) {
        var x = Math.floor(X(sT[q]));
        if (sR[q] >= 0) { var yp = rowY(sR[q]); ctx.fillRect(x, yp + PROW - 6, 1.5, 5); }
        var gr = gRow[sG[q]];
        if (gr !== undefined) { var yg = rowY(gr); if (yg >= 0) ctx.fillRect(x, yg + GROW - 5, 1.5, 4); }
      }
      // Misplaced samples: orange triangles on their P row.
      ctx.fillStyle = '#f28e2b';
      (data.misplaced || []).forEach(function (m) {
        if (m[0] < v0 || m[0] > v1) return;
        var x = X(m[0]), row = m[1] >= 0 ? tracks.findIndex(function (t) { return t.kind === 'p' && t.id === m[1]; }) : 0, yy = rowY(Math.max(0, row));
        ctx.beginPath(); ctx.moveTo(x - 4, yy); ctx.lineTo(x + 4, yy); ctx.lineTo(x, yy + 7); ctx.closePath(); ctx.fill();
      });
      // Generation boundaries.
      ctx.strokeStyle = '#d00'; ctx.setLineDash([4, 3]); ctx.lineWidth = 1;
      data.generations.forEach(function (g) {
        if (g < v0 || g > v1) return;
        var x = Math.round(X(g)) + 0.5;
        ctx.beginPath(); ctx.moveTo(x, AXIS - 6); ctx.lineTo(x, cssH); ctx.stroke();
      });
      ctx.setLineDash([]);
      if (opts.lostAtStop > 0 && v1 >= span) {
        ctx.fillStyle = '#d00'; ctx.font = '11px system-ui, sans-serif'; ctx.textAlign = 'right';
        ctx.fillText(opts.lostAtStop + ' samples lost at stop ▸', cssW - 4, AXIS - 12);
      }
      // Gutter labels and the time axis.
      ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, GUTTER, cssH); ctx.fillRect(0, 0, cssW, AXIS - 2);
      ctx.fillStyle = '#222'; ctx.font = '11px system-ui, sans-serif'; ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
      for (var r2 = 0; r2 < tracks.length; r2++) {
        var y2 = rowY(r2);
        if (y2 >= 0) ctx.fillText(tracks[r2].name, 4, y2 + rowH(r2) / 2);
      }
      var step = Math.pow(10, Math.floor(Math.log10((v1 - v0) / 8)));
      if ((v1 - v0) / step > 20) step *= 5; else if ((v1 - v0) / step > 10) step *= 2;
      ctx.strokeStyle = '#bbb'; ctx.fillStyle = '#444'; ctx.textAlign = 'center';
      for (var tt = Math.ceil(v0 / step) * step; tt <= v1; tt += step) {
        var xt = Math.round(X(tt)) + 0.5;
        ctx.beginPath(); ctx.moveTo(xt, AXIS - 6); ctx.lineTo(xt, AXIS - 1); ctx.stroke();
        ctx.fillText(fmtT(tt), xt, 8);
      }
      last = { rows: rows, procs: procs, rects: rects };
      canvas.setAttribute('data-view-start', String(Math.round(v0)));
      canvas.setAttribute('data-view-end', String(Math.round(v1)));
      canvas.setAttribute('data-rows-painted', String(rows));
      canvas.setAttribute('data-procs-painted', String(procs));
      range.textContent = fmtT(v0) + ' – ' + fmtT(v1) + ' (' + fmtT(v1 - v0) + ' shown of ' + fmtT(span) + ')' +
        (nG > gVisible ? '; goroutine rows ' + (scroll + 1) + '–' + Math.min(nG, scroll + gVisible) + ' of ' + nG + ' (wheel to scroll)' : '');
    }

    var pending = false;
    function redraw() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; paint(); }); } }
    function zoom(f, at) {
      if (at === undefined) at = 0.5;
      var t = v0 + (v1 - v0) * at, w = (v1 - v0) * f;
      v0 = t - w * at; v1 = v0 + w; clampView(); paint();
    }
    function pan(frac) { var d = (v1 - v0) * frac; v0 += d; v1 += d; clampView(); paint(); }
    function scrollRows(n) { scroll = Math.max(0, Math.min(Math.max(0, nG - gVisible), scroll + n)); paint(); }
    function frac(ev) { var r = canvas.getBoundingClientRect(); return Math.max(0, Math.min(1, (ev.clientX - r.left - GUTTER) / (r.width - GUTTER))); }

    button('−', 'zoom out (S)', function () { zoom(2); });
    button('+', 'zoom in (W)', function () { zoom(0.5); });
    button('◀', 'pan left (A)', function () { pan(-0.25); });
    button('▶', 'pan right (D)', function () { pan(0.25); });
    button('reset', 'whole run', function () { v0 = 0; v1 = span; paint(); });
    bar.appendChild(range);

    canvas.addEventListener('wheel', function (ev) {
      var r = canvas.getBoundingClientRect(), overAxis = ev.clientY - r.top < AXIS;
      if (ev.ctrlKey || ev.altKey || ev.metaKey || overAxis || (nG <= gVisible && !ev.shiftKey)) { ev.preventDefault(); zoom(Math.exp(ev.deltaY * 0.002), frac(ev)); }
      else if (ev.shiftKey) { ev.preventDefault(); pan((ev.deltaY || ev.deltaX) / 1000); }
      else { ev.preventDefault(); scrollRows(Math.sign(ev.deltaY) * Math.max(1, Math.round(Math.abs(ev.deltaY) / GROW))); }
    }, { passive: false });
    var drag = null;
    canvas.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, v0: v0, v1: v1 }; });
    window.addEventListener('mouseup', function () { drag = null; });
    canvas.addEventListener('mousemove', function (ev) {
      var r = canvas.getBoundingClientRect();
      if (drag) {
        var dt = (drag.x - ev.clientX) / (r.width - GUTTER) * (drag.v1 - drag.v0);
        v0 = drag.v0 + dt; v1 = drag.v1 + dt; clampView(); redraw(); tip.hidden = true; return;
      }
      var y = ev.clientY - r.top, x = ev.clientX - r.left, row = -1;
      for (var i = 0; i < tracks.length; i++) { var yy = rowY(i); if (yy >= 0 && y >= yy && y < yy + rowH(i)) { row = i; break; } }
      if (row < 0 || x < GUTTER) { tip.hidden = true; return; }
      var t = v0 + (x - GUTTER) / (r.width - GUTTER) * (v1 - v0), tr = tracks[row], j = firstEnding(tr.e, t - 2 * (v1 - v0) / r.width);
      var text = tr.name + ' at ' + fmtT(t);
      if (j < tr.s.length && tr.s[j] <= t + 2 * (v1 - v0) / r.width) text += ': G' + (tr.g ? tr.g[j] : tr.id) + ' ran ' + fmtT(tr.e[j] - tr.s[j]) + ' from ' + fmtT(tr.s[j]);
      tip.textContent = text; tip.hidden = false;
      tip.style.left = (x + 12) + 'px'; tip.style.top = (y + 12) + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
    canvas.addEventListener('dblclick', function (ev) { zoom(0.5, frac(ev)); });
    canvas.addEventListener('keydown', function (ev) {
      var k = ev.key.toLowerCase();
      if (k === 'w') zoom(0.5); else if (k === 's') zoom(2); else if (k === 'a') pan(-0.25); else if (k === 'd') pan(0.25); else return;
      ev.preventDefault();
    });
    window.addEventListener('resize', redraw);
    paint();
    return (canvas.gtsTimeline = {
      canvas: canvas,
      view: function () { return { start: v0, end: v1, span: span }; },
      setView: function (a, b) { v0 = a; v1 = b; clampView(); paint(); },
      zoom: zoom, pan: pan, scrollRows: scrollRows,
      stats: function () { return { tracks: tracks.length, procs: data.procs, goroutineRows: nG, visibleGoroutineRows: gVisible, rowsPainted: last.rows, procsPainted: last.procs, rects: last.rects }; },
      rowBox: function (i) { return { y: rowY(i), h: rowH(i), name: tracks[i].name, kind: tracks[i].kind }; }
    });
  }
  window.GtsTimeline = { create: create, format: fmtT };
})();
`;
