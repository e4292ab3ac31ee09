"""Serve a built site on this machine the way a static host serves it (clean URLs, 404 page),
and, for `livereload`, show a failed build in the browser until the next good one."""

from __future__ import annotations

import html
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

from pelican.server import ComplexHTTPRequestHandler

from harbour.errors import HarbourError


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


@contextmanager
def serving(root: str | Path) -> Iterator[str]:
    """Serve ``root`` on loopback, on a free port, in a background thread; yields its base URL.

    For tools that look at a built site as a browser does (tests, screenshots, audits).
    """
    server = site_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


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


# --- livereload: the writer's preview, rebuilt on every save ----------------------------------

PAGE_SUFFIXES = ("", ".html", ".htm")


class BuildStatus:
    """The outcome of the latest build, as the local server shows it.

    Builds and requests both run on livereload's one event loop thread, so no lock is needed.
    """

    def __init__(self) -> None:
        self.error: HarbourError | None = None


def build_error_page(error: HarbourError) -> bytes:
    """A page that says what the last build found wrong: each problem with its file, line and fix.

    Self-contained (no stylesheet, no script of its own) so that it shows even when the theme
    is what broke; livereload adds its script before ``</head>``, so the page reloads by itself.
    """
    items = "\n".join(f"<li><code>{html.escape(problem)}</code></li>" for problem in error.problems)
    count = len(error.problems)
    heading = "The last build failed" + (f": {count} problems" if count > 1 else "")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed</title>
<style>
body {{ font: 1.05rem/1.5 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; background: #fff; }}
h1 {{ font-size: 1.4rem; }}
li {{ margin: 0.6rem 0; }}
code {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.95rem; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #eee; background: #1b1b1b; }} }}
</style>
</head>
<body>
<main>
<h1 id="build-failed">{heading}</h1>
<p>Nothing in the built site changed: it is as it was after the last good build.
Fix what is listed here and save the file; this page reloads by itself.</p>
<ul class="build-problems">
{items}
</ul>
<p>The same message is in the terminal where <code>python3 dev.py livereload</code> runs.</p>
</main>
</body>
</html>
""".encode("utf-8")


def livereload_handler(root: str | Path, status: BuildStatus) -> type[Any]:
    """livereload's file handler for ``root``, answering as a host would (the theme's 404 page),
    and with the build's error page in place of every page while the last build failed."""
    from livereload.handlers import StaticFileHandler

    not_found_page = Path(root) / "404.html"

    class SiteHandler(StaticFileHandler):
        async def get(self, path: str, include_body: bool = True) -> None:
            if status.error is not None and PurePosixPath(path).suffix in PAGE_SUFFIXES:
                self.set_status(500)
                self._send_html(build_error_page(status.error))
                return
            await super().get(path, include_body)

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            if status_code == 404 and not_found_page.is_file():
                self._send_html(not_found_page.read_bytes())
                return
            super().write_error(status_code, **kwargs)

        def _send_html(self, body: bytes) -> None:
            self.clear_header("Content-Length")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(body if self.request.method != "HEAD" else b"")

    return SiteHandler


def serve_with_livereload(
    root: str | Path, *, host: str, port: int, build: Callable[[], object], watched: Sequence[str]
) -> None:
    """Build, serve ``root`` at ``host:port``, and after every change to ``watched`` build again
    and reload the browser: on the new site, or on the error page while the build fails.

    ``build`` raises a HarbourError when the build fails; it is printed in the terminal too.
    """
    from livereload import Server
    from livereload.handlers import LiveReloadHandler

    status = BuildStatus()

    def rebuild() -> None:
        try:
            build()
        except HarbourError as error:
            status.error = error
            print(f"Build failed: {error}", file=sys.stderr, flush=True)
        else:
            status.error = None

    rebuild()
    # livereload skips a reload within 3 s of the previous one; then a mistake fixed quickly
    # would leave its error page on screen. Every finished build must reach the browser.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0
    server = Server()
    server.SFH = livereload_handler(root, status)
    for pattern in watched:
        server.watch(pattern, rebuild)
    print(f"Serving {root} at http://{host}:{port}/, rebuilding on every save (Ctrl+C to stop)", flush=True)
    server.serve(host=host, port=port, root=str(root), debug=False)
