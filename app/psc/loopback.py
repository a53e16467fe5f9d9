"""The loopback redirect of a native app (RFC 8252 §7.3): a one-shot HTTP listener on
127.0.0.1, random port, that takes the browser's redirect after sign-in.

Only ``GET <path>?...`` is taken; anything else gets a 404 and is ignored. The page shown
in the browser says, in French, to go back to Caducée; it never echoes the query.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from dataclasses import dataclass, field

_PAGE = (
    "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>Caducée</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)
MAX_QUERY = 8192
DEFAULT_PATH = "/callback"  # registered as http://127.0.0.1/callback, any port


@dataclass
class Redirect:
    """The query of the redirect the browser brought back (first value of each name)."""

    params: dict[str, str] = field(default_factory=dict)


class LoopbackReceiver:
    """Listens on 127.0.0.1:<random> until one redirect arrives or ``close()``."""

    def __init__(self, path: str = DEFAULT_PATH) -> None:
        self.path = path
        self._received = threading.Event()
        self._redirect: Redirect | None = None
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                if parts.path != receiver.path or len(parts.query) > MAX_QUERY:
                    self.send_error(404)
                    return
                params = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                ok = "code" in params
                page = _PAGE.format(
                    title="Connexion réussie" if ok else "Connexion interrompue",
                    text="Vous pouvez fermer cette page et revenir à Caducée."
                    if ok
                    else "Revenez à Caducée pour la suite.",
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(page)
                receiver._take(Redirect(params))

            def log_message(self, *_args: object) -> None:  # the query holds the code
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="psc-loopback", daemon=True
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def _take(self, redirect: Redirect) -> None:
        if not self._received.is_set():
            self._redirect = redirect
            self._received.set()

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> Redirect | None:
        """The redirect, or None after ``timeout`` seconds or when ``cancel`` is set."""
        step = 0.2
        waited = 0.0
        while waited < timeout:
            if self._received.wait(min(step, timeout - waited)):
                return self._redirect
            waited += step
            if cancel is not None and cancel.is_set():
                return None
        return self._redirect

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
