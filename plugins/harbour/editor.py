"""The writer's own text editor, for a task that needs more than one line from them (a reply to a comment).

Which editor: ``$VISUAL``, then ``$EDITOR`` (each may carry arguments, e.g. ``code --wait``), else
Debian's chosen ``editor``, then ``nano``, then ``vi``. The text goes through a temporary file
readable by the writer only, which the caller removes once the text is safe elsewhere: until
then, whatever the writer typed is still there to use again.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

ENVIRONMENT_EDITORS = ("VISUAL", "EDITOR")
# Debian's `editor` follows the machine's choice (update-alternatives --config editor).
DEFAULT_EDITORS = ("editor", "nano", "vi")
TEXT_INSTEAD = "or give the text with --body or --file"


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The command that opens the writer's editor (without the file); HarbourError when there is none."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT_EDITORS:
        value = environ.get(name, "").strip()
        if not value:
            continue
        try:
            words = shlex.split(value)
        except ValueError as error:
            raise HarbourError(
                f"${name} {value!r} cannot be read as a command ({error}); set it to your editor, "
                f"e.g. export {name}=nano, {TEXT_INSTEAD}"
            ) from None
        if shutil.which(words[0]) is None:
            raise HarbourError(
                f"the editor {words[0]!r} (from ${name}) is not installed or not on PATH; set {name} to "
                f"your editor, e.g. export {name}=nano, {TEXT_INSTEAD}"
            )
        return words
    for name in DEFAULT_EDITORS:
        if shutil.which(name):
            return [name]
    raise HarbourError(f"no text editor found: set EDITOR to yours (e.g. export EDITOR=nano), {TEXT_INSTEAD}")


def edit_text(
    initial: str, *, prefix: str = "draft-", suffix: str = ".md", environ: Mapping[str, str] | None = None
) -> tuple[str, Path]:
    """Open the writer's editor on a new temporary file holding ``initial``; return what they saved, and
    the file. The caller removes the file once the text is used; it is left alone on any error."""
    command = editor_command(environ)
    # mkstemp makes the file 0600: a draft may be personal, and the temporary folder is shared.
    descriptor, name = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    path = Path(name)
    with os.fdopen(descriptor, "w", encoding="utf-8") as draft:
        draft.write(initial)
    logger.debug("opening %s on %s", command, path)
    try:
        finished = subprocess.run([*command, str(path)], check=False)
    except OSError as error:
        path.unlink(missing_ok=True)
        raise HarbourError(
            f"could not start the editor {command[0]!r} ({error.strerror}); {TEXT_INSTEAD}"
        ) from None
    text = _read_draft(path)
    if finished.returncode != 0:
        kept = f"; what you wrote is kept in {path}" if text != initial else ""
        if not kept:
            path.unlink(missing_ok=True)
        raise HarbourError(
            f"the editor {command[0]!r} ended with exit code {finished.returncode}, so nothing was done{kept}"
        )
    return text, path


def _read_draft(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise HarbourError(
            f"{path}: not valid UTF-8 (byte {error.start}); save it as UTF-8 and give it with --file {path}"
        ) from None
