"""The live server: JSON API, conditional requests, and nothing served from outside DIR."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from trainlog.report.server import LiveServer


@pytest.fixture
def served(make_run: Callable[..., Path], tmp_path: Path) -> Iterator[LiveServer]:
    make_run("a")
    make_run("nested/b", "dpo")
    (tmp_path / "secret.txt").write_text("top secret")
    server = LiveServer(tmp_path / "outputs", port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def get(
    server: LiveServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_binds_localhost_and_lists_runs_recursively(served: LiveServer) -> None:
    assert served.server_address[0] == "127.0.0.1"
    status, headers, body = get(served, "/api/runs")
    assert status == 200 and headers["Content-Type"] == "application/json"
    runs = {r["id"]: r for r in json.loads(body)["runs"]}
    assert set(runs) == {"a", "nested/b"}
    assert runs["nested/b"]["method"] == "dpo" and runs["a"]["steps"] == 300
    status, headers, page = get(served, "/")
    assert status == 200 and b'id="tl-runs"' in page
    assert not re.search(rb"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "script-src &#x27;sha256-" in page.decode()


def test_report_endpoint_and_conditional_requests(served: LiveServer) -> None:
    status, headers, body = get(served, "/api/report?path=a&path=nested/b")
    assert status == 200
    payload = json.loads(body)
    assert [g["method"] for g in payload["groups"]] == ["grpo", "dpo"]
    assert payload["runs"][0]["series"]["train_history/loss"][0][-1] == 300
    etag = headers["ETag"]
    again = get(served, "/api/report?path=a&path=nested/b", {"If-None-Match": etag})
    assert again[0] == 304 and again[2] == b""
    since = get(served, "/api/run?path=a", {"If-Modified-Since": headers["Last-Modified"]})
    assert since[0] == 304
    assert get(served, "/api/run?path=a")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/run?path=../secret.txt",
        "/api/run?path=..",
        "/api/run?path=/etc/passwd",
        "/api/run?path=a/../../secret.txt",
        "/api/run?path=%2e%2e/secret.txt",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/secret.txt",
        "/a/training_log.json",
        "/api/../../secret.txt",
    ],
)
def test_nothing_outside_the_runs_is_served(served: LiveServer, path: str) -> None:
    status, _, body = get(served, path)
    assert status == 404 and b"top secret" not in body and b"train_history" not in body


def test_foreign_host_header_is_refused(served: LiveServer) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own host name."""
    status, _, _ = get(served, "/api/runs", {"Host": "evil.example:8000"})
    assert status == 403
    assert get(served, "/api/runs", {"Host": "localhost:1234"})[0] == 200


def test_serve_cli_rejects_a_missing_folder(capsys: pytest.CaptureFixture[str]) -> None:
    from trainlog.cli.main import main

    assert main(["serve", "no-such-dir", "--port", "0"]) == 2
    assert "no-such-dir: not a directory" in capsys.readouterr().err
