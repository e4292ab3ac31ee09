"""Serve a built site on this machine the way a static host serves it (clean URLs, 404 page)."""

from __future__ import annotations

from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pelican.server import ComplexHTTPRequestHandler


def site_handler(root: str | Path) -> type[ComplexHTTPRequestHandler]:
    """A request handler class serving ``root``, answering unknown paths with its 404.html."""
    not_found_page = Path(root) / "404.html"

    class SiteHandler(ComplexHTTPRequestHandler):
        # Pelican's handler reads its folder from this class attribute; a class per site
        # keeps two servers in one process (tests) from sharing it.
        base_path = str(root)

        def do_GET(self) -> None:
            # Pelican's handler answers a missing page with an empty response; a host
            # answers with the site's 404 page, so a reader sees the way back.
            found = self.get_path_that_exists(self.path.split("?", 1)[0])
            if not found:
                self.send_error(404)
                return
            self.path = found
            SimpleHTTPRequestHandler.do_GET(self)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            if code != 404 or not not_found_page.is_file():
                super().send_error(code, message, explain)
                return
            body = not_found_page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return SiteHandler


def site_server(root: str | Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server for ``root`` bound to ``host:port`` (port 0 picks a free one)."""
    return ThreadingHTTPServer((host, port), site_handler(root))


def serve_folder(root: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``root`` over HTTP until interrupted."""
    server = site_server(root, host, port)
    print(f"Serving {root} at http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
