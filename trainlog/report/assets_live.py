"""The live page's script (``trainlog serve``): polls the JSON API and redraws with ``TL``.

Conditional requests (``If-None-Match``) make an unchanged run cost a 304 and no redraw.
"""

LIVE_JS = r"""
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var interval = Number(params.get('interval')) || Number(document.body.dataset.interval) || 2000;
  var tags = {}, items = [], chosen = null, version = 0;
  var list = document.getElementById('tl-runs'), main = document.getElementById('tl-main');
  var status = document.getElementById('tl-status');
  TL.controls(document.getElementById('tl-smoothing'), document.getElementById('tl-smoothing-out'));

  function get(url) {
    var headers = {};
    if (tags[url]) { headers['If-None-Match'] = tags[url]; }
    return fetch(url, { cache: 'no-store', headers: headers }).then(function (r) {
      if (r.status === 304) { return null; }
      if (!r.ok) { throw new Error(url + ': HTTP ' + r.status); }
      tags[url] = r.headers.get('ETag');
      return r.json();
    });
  }
  function selected() {
    if (chosen === null) {
      chosen = {};
      items.slice(0, 8).forEach(function (it) { chosen[it.id] = true; });
    }
    return items.filter(function (it) { return chosen[it.id]; })
      .map(function (it) { return it.id; });
  }
  function renderList() {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    TL.el('h2', null, items.length + ' run' + (items.length === 1 ? '' : 's'), list);
    if (!items.length) {
      TL.el('div', 'note', 'No training_log.json under this folder yet.', list);
    }
    selected();
    items.forEach(function (it) {
      var label = TL.el('label', null, null, list);
      var box = TL.el('input', null, null, label);
      box.type = 'checkbox'; box.checked = !!chosen[it.id];
      box.addEventListener('change', function () { chosen[it.id] = box.checked; tick(true); });
      var text = TL.el('span', null, null, label);
      TL.el('span', null, it.name, text);
      TL.el('span', 'status ' + it.status, it.status, text);
      TL.el('div', 'meta', it.method + ' \u00b7 step ' + (it.steps === null ? '\u2014' : it.steps) +
        ' \u00b7 ' + it.id, text);
    });
  }
  function statsTable(parent, group, payload) {
    var ids = [], labels = [];
    group.charts.forEach(function (c) {
      c.series.forEach(function (s) {
        if (ids.indexOf(s.id) < 0) { ids.push(s.id); labels.push(s.label); }
      });
    });
    var wrap = TL.el('div', 'tablewrap', null, parent);
    var table = TL.el('table', 'stats live-stats', null, wrap);
    var tr = TL.el('tr', null, null, TL.el('thead', null, null, table));
    ['run', 'status', 'step'].concat(labels).forEach(function (t, i) {
      TL.el('th', i > 1 ? 'num' : null, t, tr);
    });
    var body = TL.el('tbody', null, null, table);
    group.runs.forEach(function (index) {
      var run = payload.runs[index], row = TL.el('tr', null, null, body);
      var cell = TL.el('td', null, null, row), name = TL.el('span', 'runname', null, cell);
      TL.el('span', 'swatch', null, name).style.background = run.color;
      TL.el('span', null, run.name, name);
      TL.el('td', null, run.status, row);
      TL.el('td', 'num', run.steps === null ? '\u2014' : String(run.steps), row);
      ids.forEach(function (id) {
        var st = run.stats[id], td = TL.el('td', 'num', st ? TL.fmt(st.final) : '\u2014', row);
        if (st) {
          td.title = 'mean ' + TL.fmt(st.mean) + ', std ' + TL.fmt(st.std) + ', min ' +
            TL.fmt(st.min) + ', max ' + TL.fmt(st.max) + ', best ' + TL.fmt(st.best) +
            ', trend/1k ' + TL.fmt(st.trend);
        }
      });
    });
  }
  function render(payload) {
    TL.reset();
    while (main.firstChild) { main.removeChild(main.firstChild); }
    if (!payload.groups.length) { TL.el('div', 'empty', 'Select a run on the left.', main); }
    payload.groups.forEach(function (group) {
      var section = TL.el('section', 'group', null, main);
      var h = TL.el('h2', null, group.method.toUpperCase(), section);
      TL.el('span', 'badge', group.runs.length + ' run' + (group.runs.length === 1 ? '' : 's'), h);
      TL.drawGroup(TL.el('div', null, null, section), group, payload);
      TL.el('h3', null, 'Latest values', section);
      statsTable(section, group, payload);
    });
    document.body.dataset.version = String(++version);
    TL.redrawAll();
  }
  function tick(now) {
    var q = get('api/runs').then(function (data) {
      if (data) { items = data.runs; renderList(); }
      var ids = selected();
      var url = 'api/report?' + ids.map(function (id) {
        return 'path=' + encodeURIComponent(id);
      }).join('&');
      return get(url);
    }).then(function (payload) {
      if (payload) { render(payload); }
      status.textContent = 'live \u00b7 checked ' + new Date().toLocaleTimeString();
    }, function (err) {
      status.textContent = 'disconnected, retrying \u2014 ' + err.message;
    });
    if (!now) { q.then(function () { setTimeout(tick, interval); }); }
  }
  tick(false);
})();
"""
