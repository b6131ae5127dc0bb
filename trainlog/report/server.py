"""The live server behind ``trainlog serve DIR``: one page and a small JSON API.

Routes: ``/`` (the page), ``/api/runs`` (runs found under DIR) and ``/api/report?path=ID``
(repeatable; ``/api/run`` is the one-run form). A ``path`` must be the id of a run found
under DIR, so no request can read a file outside DIR, and nothing else on disk is served.
Responses carry an ``ETag`` and ``Last-Modified`` from the files' mtimes and sizes;
unchanged runs answer 304 without being read again.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from trainlog.errors import TrainlogError
from trainlog.report.discover import find_runs
from trainlog.report.live import Signature, load_live, signature
from trainlog.report.model import assemble, prepare_run
from trainlog.report.page import embed_json, esc, head

DISCOVERY_TTL = 2.0
MAX_PATHS = 50
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


class RunStore:
    """Runs under ``root`` and their prepared data, re-read only when their files change."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._lock = threading.Lock()
        self._found: tuple[float, dict[str, Path]] = (-1e9, {})
        self._cache: dict[Path, tuple[Signature, dict[str, Any]]] = {}

    def runs(self) -> dict[str, Path]:
        """Run id (path relative to root, ``.`` for root itself) → run folder; briefly cached."""
        with self._lock:
            stamp, found = self._found
            if time.monotonic() - stamp > DISCOVERY_TTL:
                found = {
                    (p.relative_to(self.root).as_posix() or "."): p for p in find_runs(self.root)
                }
                self._found = (time.monotonic(), found)
            return found

    def prepared(self, run_dir: Path) -> tuple[Signature, dict[str, Any]]:
        sig = signature(run_dir)
        with self._lock:
            hit = self._cache.get(run_dir)
        if hit is not None and hit[0] == sig:
            return hit
        try:
            data = prepare_run(load_live(run_dir))
        except TrainlogError as exc:
            data = {"name": run_dir.name, "path": str(run_dir), "method": "unreadable",
                    "status": "error", "error": str(exc), "steps": None, "config": {},
                    "best": None, "best_metric": None, "charts": [], "series": {},
                    "stats": {}}  # fmt: skip
        with self._lock:
            self._cache[run_dir] = (sig, data)
        return sig, data


def _mtime(sig: Signature) -> float:
    return max((entry[1] for entry in sig), default=0) / 1e9


def _etag(*parts: Any) -> str:
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:20]
    return f'"{digest}"'


def live_page(root: Path, interval_ms: int) -> str:
    """The live page: run list on the left, charts of the selected runs on the right."""
    from trainlog.report.assets_js import CHART_JS
    from trainlog.report.assets_live import LIVE_JS

    title = f"trainlog · {root.name or root}"
    return (
        head(title, (CHART_JS, LIVE_JS), "'self'")
        + f'<body data-interval="{interval_ms}"><header class="top"><h1>{esc(title)}</h1>'
        f'<div class="sub"><span class="pulse"></span><span id="tl-status">connecting…</span>'
        f" · runs under {esc(root)}</div></header>"
        '<div class="controls"><label>Smoothing (EMA) <input type="range" id="tl-smoothing" '
        'min="0" max="0.99" step="0.01"><output id="tl-smoothing-out"></output></label>'
        '<span class="note">Tick runs on the left; click a legend entry to hide a run; hover '
        "for values. Curves update as the runs write.</span></div>"
        '<div class="layout"><aside class="runs" id="tl-runs"></aside>'
        '<main id="tl-main"></main></div>'
        f"<script>{CHART_JS}</script><script>{LIVE_JS}</script></body></html>\n"
    )


class Handler(BaseHTTPRequestHandler):
    """GET only; every route bounded: at most ``MAX_PATHS`` runs per report request."""

    server: LiveServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if self.server.local_only and host not in LOCAL_HOSTS:
            # A DNS-rebinding page would arrive with its own host name: refuse it.
            return self._send(HTTPStatus.FORBIDDEN, b"forbidden host\n", "text/plain")
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path in ("/", "/index.html"):
            page = live_page(self.server.store.root, self.server.interval_ms)
            return self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
        if url.path == "/api/runs":
            return self._runs()
        if url.path in ("/api/report", "/api/run"):
            return self._report(query.get("path", [])[:MAX_PATHS])
        return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def _runs(self) -> None:
        store = self.server.store
        rows = []
        for run_id, run_dir in store.runs().items():
            sig, data = store.prepared(run_dir)
            rows.append(
                {
                    "id": run_id,
                    "name": run_dir.name if run_id != "." else store.root.name,
                    "method": data["method"],
                    "status": data["status"],
                    "steps": data["steps"],
                    "mtime": _mtime(sig),
                }
            )
        rows.sort(key=lambda r: -r["mtime"])
        self._json({"root": str(store.root), "runs": rows}, _etag(rows), max(
            (r["mtime"] for r in rows), default=0.0))  # fmt: skip

    def _report(self, ids: list[str]) -> None:
        store = self.server.store
        known = store.runs()
        unknown = [i for i in ids if i not in known]
        if unknown:
            message = f"no run {unknown[0]!r} under the served folder\n"
            return self._send(HTTPStatus.NOT_FOUND, message.encode(), "text/plain")
        prepared = [store.prepared(known[i]) for i in ids]
        sigs = [sig for sig, _ in prepared]
        runs = [dict(data) for _, data in prepared]
        for run_id, run in zip(ids, runs, strict=True):
            run["id"] = run_id
        mtime = max((_mtime(s) for s in sigs), default=0.0)
        etag = _etag(ids, sigs)
        if self._not_modified(etag, mtime):
            return None
        payload = assemble(runs, "live", live=True)
        return self._json(payload, etag, mtime)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        fresh = match == etag if match else False
        if not match and since:
            try:
                fresh = int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self._send(HTTPStatus.NOT_MODIFIED, b"", None, etag=etag, mtime=mtime)
        return fresh

    def _json(self, data: Any, etag: str, mtime: float) -> None:
        if self._not_modified(etag, mtime):
            return
        body = embed_json(data).encode()
        self._send(HTTPStatus.OK, body, "application/json", etag=etag, mtime=mtime)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str | None,
        etag: str | None = None,
        mtime: float | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        if etag:
            self.send_header("ETag", etag)
        if mtime is not None:
            self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)


class LiveServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its run store and polling interval."""

    daemon_threads = True

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        interval_ms: int = 2000,
        verbose: bool = False,
    ):
        self.store = RunStore(root)
        self.interval_ms = interval_ms
        self.verbose = verbose
        self.local_only = host in ("127.0.0.1", "localhost", "::1")
        super().__init__((host, port), Handler)
