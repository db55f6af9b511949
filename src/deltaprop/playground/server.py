"""The playground's web server: the standard library's ThreadingHTTPServer on 127.0.0.1.

Security: it binds 127.0.0.1 only; answers only requests whose Host header names this server
(127.0.0.1:PORT or localhost:PORT), which defeats DNS rebinding; accepts a write (POST) only
with the page's own header ``X-Deltaprop: 1`` and, when the browser sends an Origin, only
from this server's own origin (a cross-origin page can neither set the header without a CORS
preflight, which is never granted, nor pass the Origin check); caps every request body at
``MAX_UPLOAD_BYTES`` (refused from its Content-Length, before reading); reads uploads only
as CSV data, never as code. Errors in a request become a message on the page; the server
keeps serving.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from ..errors import DeltapropError, ParameterError
from ..io.history import history_csv
from .data import MAX_UPLOAD_BYTES, PRESETS, preset_data, read_upload
from .page import page
from .report import explain_report
from .session import Session
from .view import state

JSON_MAX = 64 * 1024  # the control requests are small JSON objects


class PlaygroundServer(ThreadingHTTPServer):
    """One session behind a local web server; ``port=0`` picks a free port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0, session: Session | None = None):
        super().__init__(("127.0.0.1", port), Handler)
        self.session = session or Session()
        self.upload = None  # (file name, bytes) of the last good upload
        port = self.server_address[1]
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{h}" for h in self.hosts}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def start(self) -> threading.Thread:
        """Serve from a background thread (tests, notebooks); ``shutdown()`` stops it."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread


class Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "deltaprop-playground"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # quiet: the terminal shows the URL, not every request

    # -- replies --------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, kind: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:; connect-src 'self'; frame-ancestors 'none'; form-action 'none'",
        )
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: dict) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _refuse(self, status: int, message: str) -> None:
        self.close_connection = True
        self._json(status, {"message": message})

    def _host_ok(self) -> bool:
        if self.headers.get("Host", "") not in self.server.hosts:
            self._refuse(
                HTTPStatus.MISDIRECTED_REQUEST,
                "this server answers only to its own address (127.0.0.1)",
            )
            return False
        return True

    # -- GET ------------------------------------------------------------------------------
    def do_GET(self):
        if not self._host_ok():
            return
        path = urlparse(self.path).path
        s = self.server.session
        try:
            if path == "/":
                self._send(200, page().encode(), "text/html; charset=utf-8")
            elif path == "/api/state":
                self._json(200, self._state())
            elif path == "/download/history.csv":
                with s.lock:
                    text = history_csv(s.history)
                self._download(text.encode(), "text/csv", "history.csv")
            elif path == "/download/model.dpm":
                self._download(self._model_bytes(), "application/octet-stream", "model.dpm")
            elif path == "/download/explain.html":
                with s.lock:
                    report = explain_report(s)
                self._download(report.encode(), "text/html; charset=utf-8", "explain.html")
            else:
                self._refuse(HTTPStatus.NOT_FOUND, f"no page {path!r}")
        except DeltapropError as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"message": str(exc)})
        except Exception:  # noqa: BLE001 - keep serving; the terminal gets the traceback
            traceback.print_exc(file=sys.stderr)
            self._json(500, {"message": "internal error (see the terminal)"})

    def _download(self, body: bytes, kind: str, name: str) -> None:
        self._send(200, body, kind, {"Content-Disposition": f'attachment; filename="{name}"'})

    def _model_bytes(self) -> bytes:
        with tempfile.TemporaryDirectory(prefix="deltaprop-") as tmp:
            path = Path(tmp) / "model.dpm"
            with self.server.session.lock:
                self.server.session.net.save(path)
            return path.read_bytes()

    def _state(self) -> dict:
        out = state(self.server.session)
        out["presets"] = PRESETS
        out["max_upload"] = MAX_UPLOAD_BYTES
        return out

    # -- POST -----------------------------------------------------------------------------
    def _write_ok(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.server.origins:
            self._refuse(HTTPStatus.FORBIDDEN, f"cross-origin writes are refused (from {origin})")
            return False
        if self.headers.get("X-Deltaprop") != "1":
            self._refuse(HTTPStatus.FORBIDDEN, "writes need the playground page's own header")
            return False
        return True

    def _body(self, limit: int) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "a request body needs a Content-Length")
            return None
        if length < 0 or length > limit:
            self._refuse(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the upload is {length:,} bytes; the limit is {limit:,} bytes",
            )
            return None
        return self.rfile.read(length)

    def do_POST(self):
        if not self._host_ok() or not self._write_ok():
            return
        url = urlparse(self.path)
        upload = url.path == "/api/upload"
        body = self._body(MAX_UPLOAD_BYTES if upload else JSON_MAX)
        if body is None:
            return
        s = self.server.session
        try:
            if upload:
                query = parse_qs(url.query)
                name = query.get("name", ["upload.csv"])[0]
                data = read_upload(name, body)
                s.load_data(data)
                self.server.upload = (name, body)
            else:
                args = json.loads(body or b"{}") if body.strip() else {}
                if not isinstance(args, dict):
                    raise ParameterError("a request must be a JSON object")
                self._control(url.path, args)
            self._json(200, self._state())
        except (DeltapropError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            message = str(exc) if isinstance(exc, DeltapropError) else f"bad request: {exc}"
            self._json(HTTPStatus.BAD_REQUEST, {"message": message, "state": self._state()})
        except Exception:  # noqa: BLE001 - keep serving; the terminal gets the traceback
            traceback.print_exc(file=sys.stderr)
            self._json(500, {"message": "internal error (see the terminal)"})

    def _control(self, path: str, args: dict) -> None:
        s = self.server.session
        if path == "/api/preset":
            s.load_preset(str(args.get("name", "")))
            self.server.upload = None
        elif path == "/api/data":
            self._choose_columns(args)
        elif path == "/api/config":
            s.configure(args)
        elif path == "/api/step":
            s.step()
        elif path == "/api/epoch":
            s.epoch()
        elif path == "/api/reset":
            s.reset()
        elif path == "/api/select":
            s.select(args.get("name"))
        elif path == "/api/weight":
            s.set_weight(str(args.get("name", "")), _number(args.get("value")))
        else:
            raise ParameterError(f"no action {path!r}")

    def _choose_columns(self, args: dict) -> None:
        s = self.server.session
        with s.lock:
            target = args.get("target")
            if (
                target is not None
                and self.server.upload is not None
                and target != s.data.target_name
            ):
                name, body = self.server.upload
                s.load_data(read_upload(name, body, target=str(target)))
            features = args.get("features")
            if features is not None:
                names = s.data.feature_names
                if (
                    not isinstance(features, list)
                    or len(features) != 2
                    or any(f not in names for f in features)
                    or features[0] == features[1]
                ):
                    raise ParameterError(
                        f"the map needs two different features of {', '.join(names)}; "
                        f"got {features!r}"
                    )
                s.data.plot_features = (names.index(features[0]), names.index(features[1]))


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"a weight must be a number; got {value!r}") from None


def serve(port: int = 8765, open_browser: bool = True, preset: str = "worked-example") -> None:
    """Run the playground until Ctrl-C."""
    preset_data(preset)  # a clear error for a wrong name, before binding
    server = PlaygroundServer(port, Session(preset))
    print(f"deltaprop playground: {server.url} (Ctrl-C to stop)", file=sys.stderr)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
