"""Tasks for writing, building, testing and publishing the blog. `python3 dev.py --list` shows them all.

Each task is a thin wrapper: the work is done by plain functions in plugins/, which the
tests call directly.
"""

from __future__ import annotations

import shlex
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

from harbour.arguments import refuse_control_characters  # noqa: E402
from harbour.build import (  # noqa: E402
    BuildReport, build_report, load_settings, output_locked, rebuild_on_changes, remove_site,
)
from harbour.errors import HarbourError  # noqa: E402

DEV_SETTINGS = ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = ROOT / "publishconf.py"


def _settings(publish: bool = False) -> dict:
    return load_settings(PUBLISH_SETTINGS if publish else DEV_SETTINGS)


@contextmanager
def _build_errors():
    """A HarbourError while building becomes one clear message and exit code 1, never a traceback."""
    try:
        yield
    except HarbourError as error:
        raise Exit(f"Build failed: {error}", code=1) from None


def _show(report: BuildReport) -> None:
    """Each warning, then the build's one outcome line ("Built with 2 warnings (above): ...")."""
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    print(report.outcome(), flush=True)


def _build(settings_file: Path, *, strict_task: str = "", **overrides: object) -> dict:
    """Build and show the outcome; ``strict_task`` names a task whose warnings stop the build."""
    try:
        report = build_report(settings_file, warnings_are_errors=bool(strict_task), **overrides)
    except HarbourError as error:
        hint = ""
        if strict_task and any(problem.startswith("warning: ") for problem in error.problems):
            hint = (f"\n{strict_task} treats warnings as errors: fix them, or run "
                    f"`python3 dev.py {strict_task} --allow-warnings` to build anyway")
        raise Exit(f"Build failed: {error}{hint}", code=1) from None
    _show(report)
    return dict(report.settings)


@task
def clean(c):
    """Remove the built site (output/)."""
    with _build_errors():
        output = Path(_settings()["OUTPUT_PATH"])
        removed = remove_site(output)
    if removed:
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
    from pelican.utils import wait_for_changes

    # Not Pelican's own --autoreload: it writes straight into output/, so a failed build
    # leaves half a site there and a writer's `python3 dev.py build` meanwhile mixes two sites.
    with _build_errors():
        settings = _settings()

    def changes():
        while True:
            yield wait_for_changes(str(DEV_SETTINGS), settings)

    try:
        rebuild_on_changes(
            DEV_SETTINGS, changes(),
            built=_show,
            failed=lambda error: print(f"Build failed: {error}", file=sys.stderr, flush=True),
        )
    except KeyboardInterrupt:
        pass


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


ALLOW_WARNINGS_HELP = {"allow_warnings": "build even when there are warnings (by default they stop it)"}


@task(help=ALLOW_WARNINGS_HELP)
def preview(c, allow_warnings=False):
    """Build the production site into output/, with feeds (publishconf.py); warnings stop it."""
    _build(PUBLISH_SETTINGS, strict_task="" if allow_warnings else "preview")


@task
def livereload(c):
    """Build and serve the site at http://127.0.0.1:8000/, rebuilding and reloading on every save."""
    from harbour.serve import serve_with_livereload

    with _build_errors():
        settings = _settings()
    # A mistake in a post is shown (in the terminal and in the browser), not a reason to stop
    # the server. Each build takes the output lock: a `python3 dev.py build` meanwhile waits.
    serve_with_livereload(
        settings["OUTPUT_PATH"], host=settings["BIND"], port=settings["PORT"],
        build=lambda: _show(build_report(DEV_SETTINGS)),
        watched=[
            str(DEV_SETTINGS),
            f"{settings['PATH']}/**/*",
            f"{settings['THEME']}/**/*",
            str(ROOT / "plugins" / "**" / "*.py"),
        ],
    )


@task(help=ALLOW_WARNINGS_HELP)
def publish(c, allow_warnings=False):
    """Build the production site and upload it with rsync to PUBLISH_RSYNC_TARGET (publishconf.py)."""
    # Locked from build to end of upload: a livereload rebuild meanwhile would swap the dev
    # site (drafts, local links) into output/ and upload that instead.
    with _build_errors(), output_locked(_settings(publish=True)["OUTPUT_PATH"]):
        settings = _build(PUBLISH_SETTINGS, strict_task="" if allow_warnings else "publish")
        target = settings["PUBLISH_RSYNC_TARGET"]
        c.run(
            "rsync --delete --exclude '.DS_Store' -pthrvz -c -e ssh "
            f"{shlex.quote(settings['OUTPUT_PATH'].rstrip('/') + '/')} {shlex.quote(target)}",
            pty=True,
        )


@task(name="gh-pages", help=ALLOW_WARNINGS_HELP)
def gh_pages(c, allow_warnings=False):
    """Build the production site and push it to the GitHub Pages branch (ghp-import)."""
    with _build_errors(), output_locked(_settings(publish=True)["OUTPUT_PATH"]):  # as in publish
        settings = _build(PUBLISH_SETTINGS, strict_task="" if allow_warnings else "gh-pages")
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


@task(help={
    "widths": "window widths in pixels, comma-separated (default 1280,375)",
    "schemes": "colour schemes, comma-separated (default light,dark)",
})
def screenshots(c, widths="1280,375", schemes="light,dark"):
    """Build the site and take full-page screenshots of each kind of page into screenshots/."""
    from harbour.screenshots import parse_sizes, take_screenshots

    try:
        sizes, chosen = parse_sizes(widths, schemes)
    except HarbourError as error:
        raise Exit(f"screenshots: {error}", code=1) from None
    output = Path(_build(DEV_SETTINGS)["OUTPUT_PATH"])
    try:
        written = take_screenshots(output, ROOT / "screenshots", widths=sizes, schemes=chosen,
                                   say=lambda line: print(line, flush=True))
    except HarbourError as error:
        raise Exit(f"screenshots: {error}", code=1) from None
    print(f"{len(written)} screenshots in screenshots/")


@task
def audit(c):
    """Build the site and audit it in Chromium: Lighthouse (fails below 100) and pa11y (WCAG 2 AA)."""
    from harbour.audit import run_audit

    output = Path(_build(DEV_SETTINGS)["OUTPUT_PATH"])
    try:
        clean = run_audit(output, say=lambda line: print(line, flush=True))
    except HarbourError as error:
        raise Exit(f"audit: {error}", code=1) from None
    if not clean:
        raise Exit("audit: a score below 100 or a pa11y error (above)", code=1)
    print("audit: 100 in every Lighthouse category on every page, no pa11y error")


@task(help={
    "posts": "generated posts, about 800 words each (default 300; the issue's full size is 2000)",
    "comments": "generated comments, spread over the posts (default 3000; full size 20000)",
    "runs": "times each stage runs, alternating with the others (default 3)",
    "seed": "the generator's seed: the same seed writes the same blog (default 1)",
})
def bench(c, posts=300, comments=3000, runs=3, seed=1):
    """Time our full build against plain Pelican on a generated blog; print medians, ratios, page weight."""
    from harbour.bench import run_bench

    try:
        run_bench(posts=int(posts), comments=int(comments), runs=int(runs), seed=int(seed),
                  say=lambda line: print(line, flush=True))
    except HarbourError as error:
        raise Exit(f"bench: {error}", code=1) from None


# --- Comments (plugins/comments) -----------------------------------------------------------
# Every comments task reads COMMENTS from pelicanconf.py; --private and --content point it at
# other stores (a backup, or the tests' temporary folders).

STORE_HELP = {
    "private": "the private store folder (default: COMMENTS['private_path'] in pelicanconf.py)",
    "content": "the content folder whose comments/ holds the approved comments (default: PATH)",
}


def _comment_stores(private: str = "", content: str = ""):
    """The stores, with COMMENTS['retention_days'] applied first: every comments task keeps the
    promise that IP addresses and browsers are erased in time, even where no receiver runs."""
    from comments.config import comment_stores, comments_settings
    from comments.desk.privacy import erase_expired

    settings = _settings()
    stores = comment_stores(settings, root=ROOT, private=private or None, content=content or None)
    days = comments_settings(settings)["retention_days"]
    erased = erase_expired(stores, days)
    if erased:
        print(f"Erased the IP address and browser of {_count(erased, 'comment')} received more than "
              f"{days} days ago (COMMENTS['retention_days']).", file=sys.stderr)
    return stores


@contextmanager
def _comments_errors(name: str):
    """A HarbourError becomes one clear message and exit code 1, never a traceback."""
    try:
        yield
    except HarbourError as error:
        raise Exit(f"{name}: {error}", code=1) from None


DEPLOY_REMINDER = "Run `python3 dev.py publish` (or your deploy) to update the live site."


def _report(name: str, outcomes, *, changes_site: bool = False) -> None:
    """Print what happened to each comment; exit 1 when any was refused.

    ``changes_site``: the step changed the public store, which the live site only shows
    (or stops showing) after the next publish; say so whenever something was done.
    """
    from comments.desk.moderation import DONE, REFUSED

    for outcome in outcomes:
        print(outcome.message)
    if changes_site and any(o.result == DONE for o in outcomes):
        print(DEPLOY_REMINDER)
    refused = [o.id for o in outcomes if o.result == REFUSED]
    if refused:
        raise Exit(f"{name}: nothing done for {', '.join(refused)} (see above)", code=1)


@task(name="comments-queue", help=STORE_HELP)
def comments_queue(c, private="", content=""):
    """List the comments waiting for moderation (possible crises first), and anything that needs you."""
    from comments.desk.queue_view import queue_report

    with _comments_errors("comments-queue"):
        print(queue_report(_comment_stores(private, content)))


@task(name="comments-show", help={"id": "the comment's id (from comments-queue)", **STORE_HELP})
def comments_show(c, id, private="", content=""):
    """Show one comment in full: text, e-mail, IP, flags and moderation history."""
    from comments.desk.queue_view import comment_problems, comment_record, describe_comment

    with _comments_errors("comments-show"):
        stores = _comment_stores(private, content)
        record = comment_record(stores, id)
        print(describe_comment(record, comment_problems(stores, record)))


@task(
    name="comments-approve",
    iterable=["id"],
    help={"id": "a comment's id; repeat --id to approve several", **STORE_HELP},
)
def comments_approve(c, id, private="", content=""):
    """Approve comments: publish them to content/comments/<post>/<id>.md."""
    from comments.desk.moderation import approve_comments
    from comments.transfer.export import read_post_info

    with _comments_errors("comments-approve"):
        settings, stores = _settings(), _comment_stores(private, content)
        posts = read_post_info(stores.content_dir, settings["ARTICLE_PATHS"], timezone_name=settings["TIMEZONE"])
        outcomes = approve_comments(stores, id, post_slugs=set(posts))
        _report("comments-approve", outcomes, changes_site=True)


@task(
    name="comments-reject",
    iterable=["id"],
    help={"id": "a comment's id; repeat --id for several", "reason": "why, for your records (required)",
          **STORE_HELP},
)
def comments_reject(c, id, reason="", private="", content=""):
    """Reject waiting comments; they and the reason stay in the private store."""
    from comments.desk.moderation import reject_comments

    with _comments_errors("comments-reject"):
        refuse_control_characters({"--reason": reason})
        _report("comments-reject", reject_comments(_comment_stores(private, content), id, reason))


@task(
    name="comments-spam",
    iterable=["id"],
    help={"id": "a comment's id; repeat --id for several", "reason": "a note for your records", **STORE_HELP},
)
def comments_spam(c, id, reason="", private="", content=""):
    """Mark waiting comments as spam; they stay in the private store."""
    from comments.desk.moderation import mark_spam

    with _comments_errors("comments-spam"):
        refuse_control_characters({"--reason": reason})
        _report("comments-spam", mark_spam(_comment_stores(private, content), id, reason))


@task(
    name="comments-unpublish",
    iterable=["id"],
    help={"id": "a published comment's id; repeat --id for several (e.g. with its replies)",
          "reason": "a note for your records", **STORE_HELP},
)
def comments_unpublish(c, id, reason="", private="", content=""):
    """Take published comments down (approved -> rejected); their private records stay."""
    from comments.desk.moderation import unpublish_comments

    with _comments_errors("comments-unpublish"):
        refuse_control_characters({"--reason": reason})
        outcomes = unpublish_comments(_comment_stores(private, content), id, reason)
        _report("comments-unpublish", outcomes, changes_site=True)


@task(
    name="comments-reply",
    help={"to": "the id of the comment you answer (from comments-queue, or its #comment-ID link)",
          "body": "your reply, in Markdown (without --body or --file, your editor opens: $VISUAL or $EDITOR)",
          "file": "a file holding your reply, in Markdown",
          "yes": "if the comment you answer is still waiting, approve it without asking",
          **STORE_HELP},
)
def comments_reply(c, to="", body="", file="", yes=False, private="", content=""):
    """Reply to a comment as the site's writer: published at once, marked "Author" in the thread."""
    from comments.config import comments_settings
    from comments.desk.moderation import DONE
    from comments.desk.replies import reply_from_draft, reply_target, reply_template, writer_reply
    from comments.desk.triage import TriageRules
    from comments.model import http_url
    from comments.transfer.export import read_post_info
    from harbour.editor import edit_text

    draft = None
    with _comments_errors("comments-reply"):
        if not to:
            raise HarbourError("comments-reply needs --to ID, the id of the comment you answer "
                               "(`python3 dev.py comments-queue` lists waiting ones; a published one's "
                               "link ends in #comment-ID)")
        if body and file:
            raise HarbourError("give your reply with --body or with --file, not both")
        refuse_control_characters({"--to": to, "--file": file})
        refuse_control_characters({"--body": body}, bodies={"--body"})
        settings, published = _settings(), _settings(publish=True)
        if not str(settings.get("AUTHOR") or "").strip():
            raise HarbourError("AUTHOR is not set in pelicanconf.py; a reply is signed with it, e.g. "
                               'AUTHOR = "Robin"')
        stores = _comment_stores(private, content)
        target = reply_target(stores, to)
        if target.refusal and not target.waiting:
            raise HarbourError(target.refusal)
        approve_parent = target.waiting and (yes or _ask_to_approve(target))
        if target.waiting and not approve_parent:
            raise HarbourError(f"nothing published: {target.comment.id} is still waiting, and a reply cannot "
                               "appear without it; approve it first, or answer y (or pass --yes)")
        if file:
            text = reply_from_draft(_read_reply_file(file), reply_template(target))
        elif body:
            text = body
        else:
            saved, draft = edit_text(reply_template(target), prefix="comment-reply-")
            text = reply_from_draft(saved, reply_template(target))
        if not text.strip():
            if draft is not None:
                draft.unlink(missing_ok=True)
            raise HarbourError("the reply is empty, so nothing was published (cancelled)")
        posts = read_post_info(stores.content_dir, settings["ARTICLE_PATHS"],
                               timezone_name=settings["TIMEZONE"])
        rules = TriageRules.from_settings(comments_settings(settings))
        try:
            outcome = writer_reply(
                stores, rules, to=target.comment.id, body=text, author=str(settings["AUTHOR"]),
                author_url=http_url(published.get("SITEURL") or None), approve_parent=approve_parent,
                post_slugs=set(posts),
            )
        except HarbourError as error:
            *first, last = error.problems
            raise HarbourError([*first, "; ".join([last, *_kept(draft, to)])]) from None
    print(outcome.message)
    if outcome.result != DONE:
        kept = "".join(f"; {line}" for line in _kept(draft, to))
        raise Exit(f"comments-reply: nothing published (see above){kept}", code=1)
    if draft is not None:
        draft.unlink(missing_ok=True)
    print(DEPLOY_REMINDER)


def _ask_to_approve(target) -> bool:
    """Ask whether to approve the waiting comment first; no answer (end of input) is no."""
    parent = target.comment
    print(f"{parent.id} by {parent.author} is still waiting for moderation, and a reply cannot appear "
          "without the comment it answers.")
    try:
        answer = input("Approve it first? [y/N] ")
    except EOFError:
        print()
        return False
    return answer.strip().lower() in ("y", "yes")


def _read_reply_file(file: str) -> str:
    try:
        return Path(file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise HarbourError(f"{file}: not valid UTF-8 (byte {error.start}); save it as UTF-8") from None
    except OSError as error:
        raise HarbourError(
            f"{file}: cannot be read ({error.strerror}); give a file holding your reply"
        ) from None


def _kept(draft: Path | None, to: str) -> list[str]:
    """Where the writer's draft waits after a refusal, so that nothing they typed is lost."""
    if draft is None:
        return []
    return [f"what you wrote is kept in {draft}: edit it and run "
            f"python3 dev.py comments-reply --to {to} --file {shlex.quote(str(draft))}"]


@task(
    name="comments-forget",
    help={"email": "the e-mail address the person commented with (any case)",
          "unpublish": "also take their published comments down (their records stay, as rejected)",
          **STORE_HELP},
)
def comments_forget(c, email="", unpublish=False, private="", content=""):
    """Erase one person's e-mail, IP and browser from every comment (on their request)."""
    from comments.desk.moderation import DONE, REFUSED
    from comments.desk.privacy import forget_person

    with _comments_errors("comments-forget"):
        refuse_control_characters({"--email": email})
        forgotten = forget_person(_comment_stores(private, content), email, unpublish=unpublish)
    # The address is not repeated: terminals keep scrollback and logs.
    print(f"Erased the e-mail, IP address and browser of {_count(forgotten.records, 'comment')} "
          "by that address.")
    if forgotten.mentions:
        print(f"Took the address out of the notes of {_count(forgotten.mentions, 'other comment')}.")
    print("The audit log records that this happened and how many, not the address.")
    for outcome in forgotten.unpublished:
        print(outcome.message)
    if unpublish and not forgotten.unpublished:
        print("None of their comments was published.")
    if any(o.result == DONE for o in forgotten.unpublished):
        print(DEPLOY_REMINDER)
    still_up = [o.id for o in forgotten.unpublished if o.result == REFUSED]
    if still_up:
        raise Exit(f"comments-forget: their data is erased, but {', '.join(still_up)} stayed published "
                   "(see above)", code=1)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@task(
    name="comments-fetch",
    help={"from": "the receiver's address, as in COMMENTS['form_action'], "
                  "e.g. https://comments.example.org/comments",
          "token_file": "the file holding the receiver's token (default: receiver-token in the private "
                        "store)",
          **STORE_HELP},
)
def comments_fetch(c, from_="", token_file="", private="", content=""):
    """Fetch new comments from your receiver into the private store; running it again adds nothing twice."""
    from comments.config import comments_settings
    from comments.desk.privacy import erase_expired
    from comments.desk.triage import TriageRules
    from comments.transfer.fetch import TOKEN_FILE, fetch_comments

    with _comments_errors("comments-fetch"):
        refuse_control_characters({"--from": from_, "--token-file": token_file})
        conf = comments_settings(_settings())
        stores = _comment_stores(private, content)
        fetched = fetch_comments(
            stores, TriageRules.from_settings(conf), from_, token_file or stores.private.root / TOKEN_FILE
        )
        erase_expired(stores, conf["retention_days"])  # a record may arrive already past it
    for problem in fetched.skipped:
        print(f"Skipped: {problem}")
    print(f"Fetched {_count(len(fetched.new), 'new comment')} from {fetched.address}"
          + (f" ({fetched.already_here} already here)" if fetched.already_here else "") + ".")
    if fetched.crises:
        print(f"{fetched.crises} of them may be in crisis (!! in the queue): read those first.")
    if fetched.new:
        print("Run `python3 dev.py comments-queue` to read them.")
    if fetched.skipped:
        raise Exit("comments-fetch: what is listed above could not be kept; everything else was", code=1)


@task(
    name="comments-export",
    help={"format": "json or wxr (WordPress eXtended RSS)", "output": "the file to write (required)",
          "include_private": "json only: add e-mail, IP and user agent (refused inside content/, output/)",
          **STORE_HELP},
)
def comments_export(c, format="json", output="", include_private=False, private="", content=""):
    """Export every approved comment (public fields only by default) as JSON or WXR."""
    from comments.transfer.export import export_comments, read_post_info

    with _comments_errors("comments-export"):
        if not output:
            raise HarbourError("comments-export needs --output PATH, e.g. --output comments.json")
        settings, published = _settings(), _settings(publish=True)
        stores = _comment_stores(private, content)
        posts = read_post_info(
            stores.content_dir, settings["ARTICLE_PATHS"], timezone_name=settings["TIMEZONE"],
            site_url=published["SITEURL"], article_url=settings["ARTICLE_URL"],
        )
        count = export_comments(
            stores, format, output, include_private=include_private, posts=posts,
            site_name=settings["SITENAME"], site_url=published["SITEURL"],
            published_dirs=[Path(settings["OUTPUT_PATH"])],
        )
        print(f"Wrote {count} approved comments to {output} ({format})")


@task(
    name="comments-import",
    help={"file": "a JSON file from comments-export, or a WordPress export (WXR .xml)", **STORE_HELP},
)
def comments_import(c, file="", private="", content=""):
    """Import comments from JSON or WXR; running it again adds nothing twice."""
    from comments.config import comments_settings
    from comments.transfer.export import read_post_info
    from comments.transfer.importer import import_file
    from comments.desk.triage import TriageRules

    with _comments_errors("comments-import"):
        if not file:
            raise HarbourError("comments-import needs --file PATH (a comments-export JSON or WordPress .xml)")
        settings = _settings()
        stores = _comment_stores(private, content)
        posts = read_post_info(
            stores.content_dir, settings["ARTICLE_PATHS"], timezone_name=settings["TIMEZONE"]
        )
        rules = TriageRules.from_settings(comments_settings(settings))
        report = import_file(stores, rules, file, post_slugs=set(posts))
        print(report.summary())
        if report.statuses.get("approved"):
            print(DEPLOY_REMINDER)


@task(
    name="import-wordpress",
    help={"file": "the .xml export WordPress writes (Tools > Export > All content)",
          "media": "the folder of your media library export (its 2012/, 2013/, ... or wp-content/uploads/)",
          **STORE_HELP},
)
def import_wordpress(c, file="", media="", private="", content=""):
    """Import a WordPress export's posts, pages, images and comments; running it again adds nothing twice."""
    from comments.config import comments_settings
    from comments.desk.triage import TriageRules
    from importers.wordpress import SiteSettings, import_wordpress as import_export, print_progress

    with _comments_errors("import-wordpress"):
        if not file:
            raise HarbourError("import-wordpress needs --file PATH, the .xml export WordPress writes")
        refuse_control_characters({"--file": file, "--media": media})
        settings = _settings()
        stores = _comment_stores(private, content)
        site = SiteSettings.from_pelican({**settings, "PATH": str(stores.content_dir)})
        rules = TriageRules.from_settings(comments_settings(settings))
        report = import_export(file, site, stores, rules, media=media or None, progress=print_progress())
        print(report.summary())
        if report.changed_anything:
            print("Build the site (python3 dev.py build) to read the imported posts, then " + DEPLOY_REMINDER[0].lower()
                  + DEPLOY_REMINDER[1:])


@task(
    name="import-disqus",
    help={"file": "the .xml export Disqus sends (Admin > Community > Export)",
          "hold": "hold every comment for moderation instead of publishing those Disqus showed",
          **STORE_HELP},
)
def import_disqus(c, file="", hold=False, private="", content=""):
    """Import a Disqus export's comments under their posts; running it again adds nothing twice."""
    from comments.config import comments_settings
    from comments.desk.triage import TriageRules
    from importers.disqus import import_disqus as import_export, site_posts

    with _comments_errors("import-disqus"):
        if not file:
            raise HarbourError("import-disqus needs --file PATH, the .xml export Disqus sends")
        settings = _settings()
        stores = _comment_stores(private, content)
        site = site_posts(
            stores.content_dir, settings["ARTICLE_PATHS"], article_url=settings["ARTICLE_URL"],
            timezone_name=settings["TIMEZONE"],
        )
        rules = TriageRules.from_settings(comments_settings(settings))
        report = import_export(
            stores, rules, file, site=site, hold=hold,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
        print(report.summary())
        if report.comments.statuses.get("approved"):
            print(DEPLOY_REMINDER)


@task(
    name="comments-receive",
    help={
        "host": "the address to listen on (default 127.0.0.1; another needs --public)",
        "port": "the port (default 8001, where pelicanconf.py's form_action points)",
        "site": "the built output folder holding the comment manifest (default OUTPUT_PATH), or the "
                "published site's address (https://example.org/), fetched every minute",
        "public": "listen on an address other machines reach (normally a reverse proxy listens instead)",
        "publish": "read publishconf.py (the published site's settings) instead of pelicanconf.py",
        "threads": "how many requests are answered at once (default 4)",
        **STORE_HELP,
    },
)
def comments_receive(c, host="127.0.0.1", port=8001, site="", public=False, publish=False, threads=4,
                     private="", content=""):
    """Receive comments from the site's form at http://HOST:PORT/comments (waitress; Ctrl+C to stop)."""
    from comments.receiver.serve import serve_receiver

    with _comments_errors("comments-receive"):
        serve_receiver(
            PUBLISH_SETTINGS if publish else DEV_SETTINGS, host=host, port=int(port), site=site or None,
            public=public, private=private or None, content=content or None, threads=int(threads),
        )


@task(
    name="comments-desk",
    help={
        "port": "the port (default 8002)",
        "host": "the address to listen on: this machine only (default 127.0.0.1; also ::1 or localhost)",
        "browser": "open the desk in your browser (default; --no-browser only prints its address)",
        **STORE_HELP,
    },
)
def comments_desk(c, port=8002, host="127.0.0.1", browser=True, private="", content=""):
    """Moderate in your browser: the queue, approve, reject, spam, content notes, replies, undo, rebuild."""
    from comments.desk_web.serve import serve_desk

    with _comments_errors("comments-desk"):
        refuse_control_characters({"--host": host})
        _comment_stores(private, content)  # the retention erase, as every comments task runs it first
        serve_desk(DEV_SETTINGS, host=host, port=int(port), open_browser=browser, private=private or None,
                   content=content or None, publish_settings=PUBLISH_SETTINGS)
