"""The report's stylesheet, inlined into every page (a Python string: no package-data)."""

CSS = """
:root { --fg:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --card:#fff;
  --accent:#2563eb; --diff:#fef3c7; --diff-line:#f59e0b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--fg); background:var(--bg); }
header.top { background:#0f172a; color:#f8fafc; padding:18px 28px; }
header.top h1 { margin:0; font-size:20px; font-weight:600; }
header.top .sub { color:#94a3b8; font-size:13px; margin-top:4px; }
.controls { position:sticky; top:0; z-index:5; display:flex; gap:22px; align-items:center;
  flex-wrap:wrap; padding:10px 28px; background:rgba(255,255,255,.95);
  border-bottom:1px solid var(--line); backdrop-filter:blur(4px); }
.controls label { display:flex; gap:8px; align-items:center; color:var(--muted); }
.controls input[type=range] { width:160px; }
.controls output { font-variant-numeric:tabular-nums; color:var(--fg); min-width:2.5em; }
main { padding:8px 28px 40px; max-width:1500px; margin:0 auto; }
section.group { margin-top:22px; }
h2 { font-size:18px; margin:18px 0 10px; font-weight:600; }
h2 .badge { font-size:12px; font-weight:500; color:var(--muted); margin-left:8px; }
h3 { font-size:15px; margin:22px 0 8px; font-weight:600; }
.legend { display:flex; flex-wrap:wrap; gap:6px; margin:6px 0 12px; }
.legend button { display:flex; align-items:center; gap:6px; border:1px solid var(--line);
  background:var(--card); border-radius:999px; padding:3px 10px; cursor:pointer;
  font:inherit; font-size:13px; color:var(--fg); }
.legend button.off { opacity:.4; text-decoration:line-through; }
.swatch { width:10px; height:10px; border-radius:50%; display:inline-block; flex:none; }
.charts { display:grid; grid-template-columns:repeat(auto-fill,minmax(440px,1fr)); gap:14px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px;
  padding:10px 12px 6px; position:relative; }
.card .head { display:flex; justify-content:space-between; align-items:center; gap:8px; }
.card .title { font-weight:600; font-size:14px; }
.card .keys { color:var(--muted); font-size:12px; }
.card .head button { font:inherit; font-size:12px; border:1px solid var(--line);
  background:#fff; border-radius:4px; padding:1px 8px; cursor:pointer; color:var(--muted); }
.card .head button.on { background:var(--accent); color:#fff; border-color:var(--accent); }
.plot { position:relative; height:260px; }
svg.tl-chart { display:block; width:100%; height:100%; overflow:visible; }
svg.tl-chart .grid line { stroke:#eef2f7; }
svg.tl-chart .axis text { fill:var(--muted); font-size:11px; }
svg.tl-chart .axis path { stroke:#cbd5e1; }
svg.tl-chart .tl-line { fill:none; stroke-width:1.6; stroke-linejoin:round; }
svg.tl-chart .tl-raw { fill:none; stroke-width:1; opacity:.25; }
svg.tl-chart .cross { stroke:#94a3b8; stroke-dasharray:3 3; }
.tooltip { position:absolute; pointer-events:none; background:rgba(15,23,42,.94); color:#f8fafc;
  border-radius:6px; padding:6px 9px; font-size:12px; white-space:nowrap; z-index:4;
  display:none; box-shadow:0 4px 14px rgba(0,0,0,.18); }
.tooltip .row { display:flex; gap:6px; align-items:center; }
.tooltip .val { margin-left:auto; padding-left:12px; font-variant-numeric:tabular-nums; }
.empty { color:var(--muted); padding:30px; text-align:center; }
table { border-collapse:collapse; background:var(--card); border:1px solid var(--line);
  border-radius:8px; font-size:13px; width:100%; }
.tablewrap { overflow-x:auto; }
th, td { padding:5px 10px; border-bottom:1px solid var(--line); text-align:left;
  vertical-align:top; }
th { background:#f1f5f9; font-weight:600; color:#334155; position:sticky; top:0; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.diff td { background:var(--diff); }
tr.diff td:first-child { box-shadow:inset 3px 0 0 var(--diff-line); font-weight:600; }
td.key { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
td.val { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px;
  max-width:340px; overflow-wrap:anywhere; }
td.path { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px;
  overflow-wrap:anywhere; }
.missing { color:#cbd5e1; }
.up { color:#15803d; } .down { color:#b91c1c; }
.note { color:var(--muted); font-size:12px; margin:6px 0; }
.stats-grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(680px,1fr)); gap:14px; }
.stats-grid h4 { margin:8px 0 6px; font-size:13px; }
.runname { display:flex; gap:6px; align-items:center; }
.layout { display:flex; min-height:calc(100vh - 70px); }
aside.runs { width:290px; flex:none; border-right:1px solid var(--line); background:#fff;
  padding:12px 14px; overflow-y:auto; }
aside.runs h2 { font-size:14px; margin:4px 0 10px; }
aside.runs label { display:flex; gap:8px; align-items:flex-start; padding:5px 4px;
  border-radius:6px; cursor:pointer; }
aside.runs label:hover { background:#f1f5f9; }
aside.runs .meta { color:var(--muted); font-size:12px; }
.status { font-size:11px; border-radius:4px; padding:0 6px; margin-left:4px; }
.status.running { background:#dcfce7; color:#166534; }
.status.completed { background:#e0e7ff; color:#3730a3; }
.status.failed, .status.interrupted { background:#fee2e2; color:#991b1b; }
.layout main { flex:1; min-width:0; }
.pulse { display:inline-block; width:8px; height:8px; border-radius:50%; background:#22c55e;
  margin-right:6px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
"""
