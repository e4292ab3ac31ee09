"""Tasks for writing, building, testing and publishing the blog. `invoke --list` shows them all.

Each task is a thin wrapper: the work is done by plain functions in plugins/, which the
tests call directly.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from datetime import datetime
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

from harbour.build import build_site, load_settings  # noqa: E402
from harbour.errors import HarbourError  # noqa: E402

DEV_SETTINGS = ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = ROOT / "publishconf.py"


def _settings(publish: bool = False) -> dict:
    return load_settings(PUBLISH_SETTINGS if publish else DEV_SETTINGS)


def _build(settings_file: Path, **overrides: object) -> dict:
    try:
        settings = dict(build_site(settings_file, **overrides))
    except HarbourError as error:
        raise Exit(f"Build failed: {error}", code=1) from None
    print(f"Built the site into {settings['OUTPUT_PATH']}")
    return settings


@task
def clean(c):
    """Remove the built site (output/)."""
    output = Path(_settings()["OUTPUT_PATH"])
    if output.is_dir():
        shutil.rmtree(output)
        print(f"Removed {output}")


@task
def build(c):
    """Build the site for local preview into output/ (no feeds)."""
    _build(DEV_SETTINGS)


@task(pre=[clean])
def rebuild(c):
    """Remove output/, then build the site again."""
    _build(DEV_SETTINGS)


@task
def regenerate(c):
    """Build the site, then rebuild it whenever a file changes (Ctrl+C to stop)."""
    from pelican import main as pelican_main

    pelican_main(["--autoreload", "--settings", str(DEV_SETTINGS)])


@task
def serve(c):
    """Serve the already built output/ at http://127.0.0.1:8000/."""
    from harbour.serve import serve_folder

    settings = _settings()
    serve_folder(settings["OUTPUT_PATH"], settings["BIND"], settings["PORT"])


@task
def reserve(c):
    """Build the site, then serve it at http://127.0.0.1:8000/."""
    _build(DEV_SETTINGS)
    serve(c)


@task
def preview(c):
    """Build the production site into output/, with feeds (publishconf.py)."""
    _build(PUBLISH_SETTINGS)


@task
def livereload(c):
    """Build and serve the site at http://127.0.0.1:8000/, rebuilding and reloading on every save."""
    from livereload import Server

    def rebuild_quietly() -> None:
        # A mistake in a post should be shown, not stop the preview server.
        try:
            build_site(DEV_SETTINGS)
        except HarbourError as error:
            print(f"Build failed: {error}", file=sys.stderr)

    settings = _settings()
    rebuild_quietly()
    server = Server()
    for pattern in (
        str(DEV_SETTINGS),
        f"{settings['PATH']}/**/*",
        f"{settings['THEME']}/**/*",
        str(ROOT / "plugins" / "**" / "*.py"),
    ):
        server.watch(pattern, rebuild_quietly)
    server.serve(host=settings["BIND"], port=settings["PORT"], root=settings["OUTPUT_PATH"])


@task
def publish(c):
    """Build the production site and upload it with rsync to PUBLISH_RSYNC_TARGET (publishconf.py)."""
    settings = _build(PUBLISH_SETTINGS)
    target = settings["PUBLISH_RSYNC_TARGET"]
    c.run(
        "rsync --delete --exclude '.DS_Store' -pthrvz -c -e ssh "
        f"{shlex.quote(settings['OUTPUT_PATH'].rstrip('/') + '/')} {shlex.quote(target)}",
        pty=True,
    )


@task(name="gh-pages")
def gh_pages(c):
    """Build the production site and push it to the GitHub Pages branch (ghp-import)."""
    settings = _build(PUBLISH_SETTINGS)
    branch = settings["GITHUB_PAGES_BRANCH"]
    c.run(
        f"{shlex.quote(sys.executable)} -m ghp_import -b {shlex.quote(branch)} "
        f"-m 'Publish site' -n -p {shlex.quote(settings['OUTPUT_PATH'])}"
    )


@task(
    name="new-post",
    help={
        "title": "the post's title (required)",
        "category": "its category (default: Notes)",
        "tags": "topic tags, comma-separated",
        "summary": "one or two sentences for listings and link previews",
        "triggers": "trigger tags the post touches, comma-separated",
        "warnings": "trigger tags that gate the whole post, comma-separated",
        "note": "a gentle content note shown with the warning",
    },
)
def new_post(c, title, category="Notes", tags="", summary="", triggers="", warnings="", note=""):
    """Start a draft post in content/posts/<slug>.md from the metadata template."""
    from harbour.new_post import new_post as write_new_post

    def split(value: str) -> list[str]:
        return [v.strip() for v in value.split(",") if v.strip()]

    try:
        path = write_new_post(
            _settings()["PATH"], title, date=datetime.now(), category=category, tags=split(tags),
            summary=summary, triggers=split(triggers), warnings=split(warnings), note=note,
        )
    except HarbourError as error:
        raise Exit(f"new-post: {error}", code=1) from None
    print(f"Wrote {path.relative_to(ROOT)} (a draft: set 'Status: published' when it is ready)")


@task(help={"args": "extra arguments for pytest, e.g. -k quick_exit"})
def test(c, args=""):
    """Run the whole test suite (unit, build, browser and accessibility tests)."""
    c.run(f"{shlex.quote(sys.executable)} -m pytest {args}", pty=False)
