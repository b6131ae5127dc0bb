"""The chart script inlined in every report: a small hand-written SVG line-chart renderer.

No library, no build step: hover values, runs toggled from the legend, EMA smoothing and a
log-scale toggle. Log data only ever reaches the DOM through ``textContent`` and
``setAttribute``, never ``innerHTML``, so a log cannot inject markup.
"""

CHART_JS = r"""
var TL = (function () {
  'use strict';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var H = 260, M = { l: 58, r: 14, t: 10, b: 30 };
  var state = { smoothing: 0.6, hidden: {}, logY: {} };
  var charts = [];
  var pending = false;

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) { return '\u2014'; }
    var a = Math.abs(v);
    if (a === 0) { return '0'; }
    if (a >= 1e5 || a < 1e-3) { return v.toExponential(2); }
    if (Number.isInteger(v)) { return String(v); }
    var s = v.toPrecision(a < 1 ? 4 : 5);
    return s.indexOf('.') >= 0 ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }
  function fmtStep(v) {
    var a = Math.abs(v);
    if (a >= 1e6) { return fmt(v / 1e6) + 'M'; }
    if (a >= 1e4) { return fmt(v / 1e3) + 'k'; }
    return fmt(v);
  }
  function ema(ys, w) {
    if (!(w > 0)) { return ys; }
    var out = new Array(ys.length), acc = 0;
    for (var i = 0; i < ys.length; i++) {
      acc = acc * w + (1 - w) * ys[i];
      out[i] = acc / (1 - Math.pow(w, i + 1));
    }
    return out;
  }
  function niceTicks(lo, hi, count) {
    var span = hi - lo;
    if (!(span > 0)) { return [lo]; }
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var norm = raw / mag, step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return out;
  }
  function nearest(xs, x) {
    var lo = 0, hi = xs.length - 1;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (xs[mid] < x) { lo = mid; } else { hi = mid; }
    }
    return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
  }

  function Chart(card, plot, spec, group, payload) {
    this.card = card; this.plot = plot; this.spec = spec;
    this.group = group; this.payload = payload;
    this.key = group.method + '/' + spec.name;
  }
  Chart.prototype.logY = function () {
    var v = state.logY[this.key];
    return v === undefined ? !!this.spec.logY : v;
  };
  Chart.prototype.lines = function () {
    var out = [], runs = this.payload.runs, smooth = state.smoothing;
    for (var i = 0; i < this.group.runs.length; i++) {
      var run = runs[this.group.runs[i]];
      if (state.hidden[run.name]) { continue; }
      for (var j = 0; j < this.spec.series.length; j++) {
        var s = this.spec.series[j], d = run.series[s.id];
        if (!d || !d[0].length) { continue; }
        var smoothed = (s.val || smooth <= 0) ? null : ema(d[1], smooth);
        out.push({ run: run, s: s, xs: d[0], ys: d[1], sm: smoothed });
      }
    }
    return out;
  };
  Chart.prototype.draw = function () {
    var plot = this.plot, log = this.logY();
    while (plot.firstChild) { plot.removeChild(plot.firstChild); }
    var lines = this.lines();
    var W = Math.max(plot.clientWidth || 600, 200);
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    lines.forEach(function (ln) {
      x0 = Math.min(x0, ln.xs[0]); x1 = Math.max(x1, ln.xs[ln.xs.length - 1]);
      [ln.ys, ln.sm].forEach(function (arr) {
        if (!arr) { return; }
        for (var i = 0; i < arr.length; i++) {
          var v = arr[i];
          if (log && !(v > 0)) { continue; }
          if (v < y0) { y0 = v; }
          if (v > y1) { y1 = v; }
        }
      });
    });
    if (!lines.length || !isFinite(y0)) {
      var hidden = this.group.runs.some(function (i) {
        return state.hidden[this.payload.runs[i].name];
      }, this);
      el('div', 'empty', lines.length ? 'no positive values for a log scale'
        : hidden ? 'runs hidden — click them in the legend' : 'no data', plot);
      return;
    }
    var ty = log ? function (v) { return Math.log10(v); } : function (v) { return v; };
    var ly0 = ty(y0), ly1 = ty(y1), mid = (ly0 + ly1) / 2;
    if (ly1 - ly0 <= 1e-9 * Math.max(Math.abs(ly0), Math.abs(ly1))) {
      var half = log ? 0.5 : (mid === 0 ? 0.5 : Math.abs(mid) * 0.1);
      ly0 = mid - half; ly1 = mid + half;
    }
    var pad = (ly1 - ly0) * 0.05; ly0 -= pad; ly1 += pad;
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    var iw = W - M.l - M.r, ih = H - M.t - M.b;
    var sx = function (x) { return M.l + (x - x0) / (x1 - x0) * iw; };
    var sy = function (v) { return M.t + (1 - (ty(v) - ly0) / (ly1 - ly0)) * ih; };
    var root = svg('svg', { 'class': 'tl-chart', viewBox: '0 0 ' + W + ' ' + H,
      preserveAspectRatio: 'none', role: 'img' }, plot);
    var grid = svg('g', { 'class': 'grid' }, root), axis = svg('g', { 'class': 'axis' }, root);
    var yt = log ? logTicks(ly0, ly1) : niceTicks(ly0, ly1, 5);
    yt.forEach(function (t) {
      var v = log ? Math.pow(10, t) : t, y = M.t + (1 - (t - ly0) / (ly1 - ly0)) * ih;
      svg('line', { x1: M.l, x2: W - M.r, y1: y, y2: y }, grid);
      svg('text', { x: M.l - 6, y: y + 4, 'text-anchor': 'end' }, axis).textContent = fmt(v);
    });
    niceTicks(x0, x1, Math.max(2, Math.floor(iw / 90))).forEach(function (t) {
      var x = sx(t);
      svg('line', { x1: x, x2: x, y1: M.t, y2: H - M.b }, grid);
      svg('text', { x: x, y: H - M.b + 16, 'text-anchor': 'middle' }, axis).textContent =
        fmtStep(t);
    });
    svg('path', { d: 'M' + M.l + ',' + M.t + 'V' + (H - M.b) + 'H' + (W - M.r),
      fill: 'none' }, axis);
    var body = svg('g', {}, root);
    lines.forEach(function (ln) {
      var color = ln.run.color, dash = ln.s.val ? '5 3' : null;
      if (ln.sm) {
        svg('path', { 'class': 'tl-raw', d: pathOf(ln.xs, ln.ys), stroke: color }, body);
      }
      var p = svg('path', { 'class': 'tl-line', d: pathOf(ln.xs, ln.sm || ln.ys), stroke: color },
        body);
      if (dash) { p.setAttribute('stroke-dasharray', dash); }
      if (ln.s.val && ln.xs.length <= 80) {
        for (var i = 0; i < ln.xs.length; i++) {
          if (log && !(ln.ys[i] > 0)) { continue; }
          svg('circle', { cx: sx(ln.xs[i]), cy: sy(ln.ys[i]), r: 2.6, fill: color }, body);
        }
      }
    });
    function pathOf(xs, ys) {
      var d = [], move = true;
      for (var i = 0; i < xs.length; i++) {
        if (log && !(ys[i] > 0)) { move = true; continue; }
        d.push((move ? 'M' : 'L') + sx(xs[i]).toFixed(1) + ',' + sy(ys[i]).toFixed(1));
        move = false;
      }
      return d.join('');
    }
    this.hover(root, lines, sx, sy, x0, x1, iw, W, log);
  };
  function logTicks(l0, l1) {
    var out = [];
    for (var p = Math.ceil(l0); p <= Math.floor(l1); p++) { out.push(p); }
    if (out.length >= 2) { return out; }
    return niceTicks(Math.pow(10, l0), Math.pow(10, l1), 4).filter(function (v) {
      return v > 0;
    }).map(function (v) { return Math.log10(v); });
  }
  Chart.prototype.hover = function (root, lines, sx, sy, x0, x1, iw, W, log) {
    var plot = this.plot, tip = el('div', 'tooltip', null, plot);
    var layer = svg('g', {}, root);
    var hit = svg('rect', { x: M.l, y: M.t, width: iw, height: H - M.t - M.b,
      fill: 'transparent' }, root);
    hit.addEventListener('mouseleave', function () {
      tip.style.display = 'none';
      while (layer.firstChild) { layer.removeChild(layer.firstChild); }
    });
    hit.addEventListener('mousemove', function (ev) {
      var box = root.getBoundingClientRect(), scale = W / box.width;
      var px = (ev.clientX - box.left) * scale, x = x0 + (px - M.l) / iw * (x1 - x0);
      while (layer.firstChild) { layer.removeChild(layer.firstChild); }
      var rows = [], step = null, best = Infinity;
      lines.forEach(function (ln) {
        var i = nearest(ln.xs, x), d = Math.abs(ln.xs[i] - x);
        if (d < best) { best = d; step = ln.xs[i]; }
        var shown = ln.sm ? ln.sm[i] : ln.ys[i];
        rows.push({ ln: ln, x: ln.xs[i], y: ln.ys[i], v: shown });
        if (!log || shown > 0) {
          svg('circle', { cx: sx(ln.xs[i]), cy: sy(shown), r: 3.5, fill: ln.run.color,
            stroke: '#fff', 'stroke-width': 1.5 }, layer);
        }
      });
      var cx = sx(step);
      svg('line', { 'class': 'cross', x1: cx, x2: cx, y1: M.t, y2: H - M.b }, layer);
      while (tip.firstChild) { tip.removeChild(tip.firstChild); }
      el('div', null, 'step ' + fmt(step), tip).style.color = '#94a3b8';
      rows.sort(function (a, b) { return b.v - a.v; });
      rows.forEach(function (r) {
        var row = el('div', 'row', null, tip);
        el('span', 'swatch', null, row).style.background = r.ln.run.color;
        el('span', null, r.ln.run.name + ' \u00b7 ' + r.ln.s.label +
          (r.x !== step ? ' @' + fmt(r.x) : ''), row);
        el('span', 'val', fmt(r.y) + (r.ln.sm ? ' (' + fmt(r.v) + ')' : ''), row);
      });
      tip.style.display = 'block';
      var left = (ev.clientX - plot.getBoundingClientRect().left) + 14;
      if (left + tip.offsetWidth > plot.clientWidth) { left = left - tip.offsetWidth - 28; }
      tip.style.left = Math.max(0, left) + 'px';
      tip.style.top = '8px';
    });
  };

  function redrawAll() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      charts.forEach(function (c) { c.draw(); });
    });
  }
  function legend(parent, group, payload) {
    var box = el('div', 'legend', null, parent);
    group.runs.forEach(function (index) {
      var run = payload.runs[index];
      var b = el('button', state.hidden[run.name] ? 'off' : '', null, box);
      b.type = 'button';
      b.title = run.path + ' \u2014 click to toggle, double-click to show only this run';
      el('span', 'swatch', null, b).style.background = run.color;
      el('span', null, run.name, b);
      b.addEventListener('click', function () {
        state.hidden[run.name] = !state.hidden[run.name];
        b.className = state.hidden[run.name] ? 'off' : '';
        redrawAll();
      });
      b.addEventListener('dblclick', function () {
        group.runs.forEach(function (j) { state.hidden[payload.runs[j].name] = j !== index; });
        Array.prototype.forEach.call(box.children, function (c, k) {
          c.className = group.runs[k] === index ? '' : 'off';
        });
        redrawAll();
      });
    });
  }
  function drawGroup(container, group, payload) {
    legend(container, group, payload);
    var grid = el('div', 'charts', null, container);
    if (!group.charts.length) { el('div', 'empty', 'no metrics recorded yet', grid); }
    group.charts.forEach(function (spec) {
      var card = el('div', 'card', null, grid);
      var head = el('div', 'head', null, card);
      el('span', 'title', spec.title, head);
      var keys = spec.series.map(function (s) { return (s.val ? '- - ' : '\u2014 ') + s.label; });
      el('span', 'keys', keys.join('   '), head);
      var btn = el('button', '', 'log', head);
      btn.type = 'button'; btn.title = 'toggle a logarithmic y axis';
      var chart = new Chart(card, el('div', 'plot', null, card), spec, group, payload);
      btn.className = chart.logY() ? 'on' : '';
      btn.addEventListener('click', function () {
        state.logY[chart.key] = !chart.logY();
        btn.className = chart.logY() ? 'on' : '';
        chart.draw();
      });
      charts.push(chart);
    });
  }
  function reset() { charts = []; }
  function controls(slider, out) {
    slider.value = String(state.smoothing);
    out.textContent = Number(slider.value).toFixed(2);
    slider.addEventListener('input', function () {
      state.smoothing = Number(slider.value);
      out.textContent = state.smoothing.toFixed(2);
      redrawAll();
    });
    window.addEventListener('resize', redrawAll);
  }
  return { el: el, fmt: fmt, ema: ema, drawGroup: drawGroup, redrawAll: redrawAll,
    reset: reset, controls: controls, state: state,
    count: function () { return charts.length; } };
})();
"""

STATIC_JS = r"""
(function () {
  'use strict';
  var payload = JSON.parse(document.getElementById('tl-data').textContent);
  TL.controls(document.getElementById('tl-smoothing'), document.getElementById('tl-smoothing-out'));
  payload.groups.forEach(function (group, i) {
    var slot = document.querySelector('[data-charts="' + i + '"]');
    if (slot) { TL.drawGroup(slot, group, payload); }
  });
  TL.redrawAll();
})();
"""
