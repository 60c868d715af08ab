"""The local review page: a small threaded HTTP server over the verdict store.

Binds to 127.0.0.1 by default. Every POST carries a per-server token (no
cross-site form can record a verdict), requests whose Host is not local are
refused (no DNS rebinding), only known item ids and verdicts are accepted, and
pages carry a Content-Security-Policy with a per-server nonce. Each verdict is
saved at once, in its own transaction, so a killed server loses nothing.
"""

from __future__ import annotations

import json
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lineage.errors import LineageError
from lineage.review import ReviewStore, build_items, check_run_dir, default_db


class ReviewApp:
    """State of one review server: the run's items, the store and a CSRF token."""

    def __init__(self, run_dir: Path, db: Path | None = None) -> None:
        self.run_dir = check_run_dir(Path(run_dir))
        self.store = ReviewStore(db or default_db(self.run_dir))
        self.items = build_items(self.run_dir)
        self.by_id = {i.id: i for i in self.items}
        self.token = secrets.token_urlsafe(24)
        self.nonce = secrets.token_urlsafe(16)

    def page(self) -> str:
        """The review page, rendered with the current verdicts."""
        from lineage.report import render_review_page

        return render_review_page(self)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the CLI prints the address; requests are not logged."""

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        return host in ("127.0.0.1", "localhost", "::1", self.server.server_address[0])

    def _send(self, status: int, body: str, ctype: str = "application/json") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        if ctype == "text/html":
            nonce = self.server.app.nonce
            self.send_header(
                "Content-Security-Policy",
                f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
                "img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                "frame-ancestors 'none'",
            )
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False))

    def do_GET(self) -> None:
        """``/`` the page; ``/api/items`` items with verdicts; ``/healthz``."""
        if not self._host_ok():
            return self._json(HTTPStatus.FORBIDDEN, {"error": "bad host"})
        path = urlsplit(self.path).path
        app = self.server.app
        if path == "/":
            return self._send(HTTPStatus.OK, app.page(), "text/html")
        if path == "/api/items":
            verdicts = app.store.verdicts()
            rows = [{**i.to_dict(), "verdict": verdicts.get(i.id)} for i in app.items]
            return self._json(HTTPStatus.OK, rows)
        if path == "/healthz":
            return self._json(HTTPStatus.OK, {"ok": True, "items": len(app.items)})
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        """``/api/verdict``: JSON or form body with item_id, verdict, note, editor, token."""
        if not self._host_ok():
            return self._json(HTTPStatus.FORBIDDEN, {"error": "bad host"})
        if urlsplit(self.path).path != "/api/verdict":
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > 1_000_000:
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})
        raw = self.rfile.read(length).decode("utf-8", "replace")
        is_form = "form" in (self.headers.get("Content-Type") or "")
        try:
            body = _form(raw) if is_form else json.loads(raw or "{}")
        except json.JSONDecodeError:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "invalid JSON"})
        app = self.server.app
        token = body.get("token") or self.headers.get("X-Lineage-Token")
        if not isinstance(body, dict) or not secrets.compare_digest(str(token), app.token):
            return self._json(HTTPStatus.FORBIDDEN, {"error": "bad token; reload the page"})
        ident = str(body.get("item_id", ""))
        if ident not in app.by_id:
            return self._json(HTTPStatus.NOT_FOUND, {"error": f"unknown item {ident!r}"})
        try:
            row = app.store.save(
                ident,
                str(body.get("verdict", "")),
                str(body.get("note", ""))[:5000],
                str(body.get("editor", ""))[:200],
            )
        except LineageError as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        if is_form:
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", f"/#{ident}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._json(HTTPStatus.OK, row)


def _form(raw: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: ReviewApp


def make_server(
    run_dir: Path, host: str = "127.0.0.1", port: int = 8765, db: Path | None = None
) -> ThreadingHTTPServer:
    """A review server bound to ``host:port`` (port 0 picks a free one); not yet serving."""
    app = ReviewApp(run_dir, db)
    try:
        server = _Server((host, port), _Handler)
    except OSError as exc:
        raise LineageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    server.app = app
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Run ``server.serve_forever`` in a daemon thread (tests, notebooks)."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def server_url(server: ThreadingHTTPServer) -> str:
    """``http://host:port/`` of a bound server."""
    host, port = server.server_address[:2]
    name = host.decode() if isinstance(host, bytes) else str(host)
    return f"http://{name}:{port}/"
