"""Build the self-contained report page: escaped HTML tables, embedded JSON, inlined script.

Every string that comes from a log goes through ``esc`` (HTML) or ``embed_json`` (the data
block, where ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes so ``</script>`` and
``<!--`` cannot end or confuse the script element).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import time
from collections.abc import Sequence
from typing import Any

from trainlog import __version__
from trainlog.report.assets_css import CSS
from trainlog.report.assets_js import CHART_JS, STATIC_JS
from trainlog.report.model import MISSING, config_rows
from trainlog.stats import TREND_FRACTION, TREND_PER, format_number

STATS_COLUMNS = ("n", "final", "best", "mean", "std", "min", "max", f"trend / {TREND_PER:,} steps")


def esc(value: Any) -> str:
    """HTML-escape any value (quotes too: safe in text and in attribute values)."""
    return html.escape(str(value), quote=True)


def embed_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</``, no ``<!--``."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def csp(scripts: Sequence[str], connect: str = "'none'") -> str:
    """A policy allowing exactly our inline scripts (by hash): injected script cannot run."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    )
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        f"img-src data:; connect-src {connect}"
    )


def head(title: str, scripts: Sequence[str] = (), connect: str = "'none'") -> str:
    policy = csp(scripts, connect)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
    )


def build_report(payload: dict[str, Any]) -> str:
    """The static report (``report.html`` / ``comparison_report.html``) as one string."""
    runs = payload["runs"]
    methods = ", ".join(g["method"] for g in payload["groups"])
    stamp = time.strftime("%Y-%m-%d %H:%M")
    parts = [
        head(payload["title"], (CHART_JS, STATIC_JS)),
        '<body><header class="top">',
        f"<h1>{esc(payload['title'])}</h1>",
        f'<div class="sub">{len(runs)} run{"s" if len(runs) != 1 else ""} · {esc(methods)}'
        f" · generated {stamp} by trainlog {esc(__version__)}</div></header>",
        controls(),
        "<main>",
    ]
    for index, group in enumerate(payload["groups"]):
        parts.append(group_section(index, group, runs))
    parts.append(config_section(runs))
    parts.append(runs_section(runs))
    parts.append("</main><footer>Self-contained report: works offline, fetches nothing.</footer>")
    parts.append(f'<script type="application/json" id="tl-data">{embed_json(payload)}</script>')
    parts.append(f"<script>{CHART_JS}</script><script>{STATIC_JS}</script></body></html>\n")
    return "".join(parts)


def controls() -> str:
    return (
        '<div class="controls"><label>Smoothing (EMA) <input type="range" id="tl-smoothing" '
        'min="0" max="0.99" step="0.01"><output id="tl-smoothing-out"></output></label>'
        '<span class="note">Click a run to hide it, double-click to show only it; '
        "hover a chart for values; <b>log</b> switches a chart's y axis. "
        "Dashed lines are validation.</span></div>"
    )


def group_section(index: int, group: dict[str, Any], runs: Sequence[dict[str, Any]]) -> str:
    members = [runs[i] for i in group["runs"]]
    count = len(members)
    out = [
        f'<section class="group" data-method="{esc(group["method"])}">',
        f'<h2>{esc(group["method"].upper())}<span class="badge">{count} run'
        f"{'s' if count != 1 else ''}</span></h2>",
        f'<div data-charts="{index}"></div>',
        "<h3>Statistics</h3>",
        f'<p class="note">Per metric and run. <b>best</b> is the minimum for losses, KL and '
        f"error rates and the maximum otherwise (with its step); <b>trend</b> is the "
        f"least-squares slope per {TREND_PER:,} steps over the last "
        f"{int(TREND_FRACTION * 100)}% of the run's steps; std is the population standard "
        f"deviation.</p>",
        '<div class="stats-grid">',
    ]
    seen: set[str] = set()
    for chart in group["charts"]:
        for series in chart["series"]:
            if series["id"] in seen:
                continue
            seen.add(series["id"])
            out.append(stats_table(series, members))
    out.append("</div><h3>Best checkpoints</h3>")
    out.append(best_table(members))
    out.append("</section>")
    return "".join(out)


def run_cell(run: dict[str, Any]) -> str:
    return (
        f'<td><span class="runname"><span class="swatch" style="background:{esc(run["color"])}">'
        f"</span>{esc(run['name'])}</span></td>"
    )


def stats_table(series: dict[str, Any], members: Sequence[dict[str, Any]]) -> str:
    header = "".join(f'<th class="num">{esc(c)}</th>' for c in STATS_COLUMNS)
    rows = []
    for run in members:
        stats = run["stats"].get(series["id"])
        if stats is None:
            rows.append(f'{run_cell(run)}<td class="num missing" colspan="8">no data</td>')
            continue
        best = format_number(stats["best"])
        if stats["best_step"] is not None:
            best += f' <span class="note">@{format_number(stats["best_step"])}</span>'
        cells = [
            str(stats["count"]),
            format_number(stats["final"]),
            best,
            format_number(stats["mean"]),
            format_number(stats["std"]),
            format_number(stats["min"]),
            format_number(stats["max"]),
        ]
        tds = "".join(f'<td class="num">{cell}</td>' for cell in cells)
        rows.append(f"{run_cell(run)}{tds}{trend_cell(stats, series['key'], run)}")
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    return (
        f'<div><h4>{esc(series["label"])} <span class="note">({esc(series["id"])})</span></h4>'
        f'<div class="tablewrap"><table class="stats" data-metric="{esc(series["id"])}"><thead>'
        f"<tr><th>run</th>{header}</tr></thead><tbody>{body}</tbody></table></div></div>"
    )


def trend_cell(stats: dict[str, Any], key: str, run: dict[str, Any]) -> str:
    from trainlog.stats import direction

    slope = stats["trend"]
    if slope is None:
        return '<td class="num missing">—</td>'
    better = direction(key, run.get("best_metric"), None)
    improving = (slope < 0) if better == "min" else (slope > 0) if better == "max" else None
    css = "" if improving is None or slope == 0 else ("up" if improving else "down")
    arrow = "▲" if slope > 0 else "▼" if slope < 0 else "■"
    return f'<td class="num {css}">{arrow} {format_number(slope)}</td>'


def best_table(members: Sequence[dict[str, Any]]) -> str:
    rows = []
    for run in members:
        best = run.get("best") or {}
        if not best:
            rows.append(f'<tr>{run_cell(run)}<td colspan="4" class="missing">none yet</td></tr>')
            continue
        values = ", ".join(
            f"{esc(k)} = {esc(format_number(v) if isinstance(v, (int, float)) else v)}"
            for k, v in best.items()
            if k not in ("step", "epoch", "samples", "path")
        )
        rows.append(
            f"<tr>{run_cell(run)}<td class='num'>{esc(best.get('step', '—'))}</td>"
            f"<td class='num'>{esc(best.get('epoch', '—'))}</td><td>{values}</td>"
            f"<td class='path'>{esc(best.get('path') or '—')}</td></tr>"
        )
    return (
        '<div class="tablewrap"><table class="best"><thead><tr><th>run</th><th class="num">step'
        '</th><th class="num">epoch</th><th>metrics</th><th>path</th></tr></thead><tbody>'
        f"{''.join(rows)}</tbody></table></div>"
    )


def show_value(value: Any) -> str:
    if value is MISSING:
        return '<span class="missing">—</span>'
    if isinstance(value, str):
        return esc(value)
    return esc(json.dumps(value, ensure_ascii=False, default=str))


def config_section(runs: Sequence[dict[str, Any]]) -> str:
    rows = config_rows(runs)
    differing = sum(1 for _, _, differs in rows if differs) if len(runs) > 1 else 0
    head_cells = "".join(
        f'<th><span class="runname"><span class="swatch" style="background:{esc(r["color"])}">'
        f"</span>{esc(r['name'])}</span></th>"
        for r in runs
    )
    body = []
    for key, values, differs in rows:
        css = ' class="diff"' if differs and len(runs) > 1 else ""
        cells = "".join(f'<td class="val">{show_value(v)}</td>' for v in values)
        body.append(f'<tr{css}><td class="key">{esc(key)}</td>{cells}</tr>')
    note = (
        f"{differing} of {len(rows)} keys differ between runs (highlighted)."
        if len(runs) > 1
        else f"{len(rows)} keys."
    )
    return (
        f'<section><h2>Configuration</h2><p class="note">{note}</p><div class="tablewrap">'
        f'<table class="config"><thead><tr><th>key</th>{head_cells}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></section>"
    )


def runs_section(runs: Sequence[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr>{run_cell(r)}<td>{esc(r['method'])}</td><td>{esc(r['status'])}</td>"
        f"<td class='num'>{esc(r['steps'] if r['steps'] is not None else '—')}</td>"
        f"<td class='path'>{esc(r['path'])}</td></tr>"
        for r in runs
    )
    return (
        '<section><h2>Runs</h2><div class="tablewrap"><table class="runs"><thead><tr><th>run'
        '</th><th>method</th><th>status</th><th class="num">last step</th><th>log</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></div></section>"
    )
