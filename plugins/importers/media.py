"""Images of an imported blog: found in the writer's media export, copied into content/images/.

A WordPress body points at the old host's media (``/wp-content/uploads/2012/01/cat.jpg``, often
through a wordpress.com CDN). The site promises to load nothing from another host, so an
image is either copied here and linked as ``{static}/images/wordpress/...`` or, when it is not
in the media folder, never embedded: the converter makes it a plain link and the summary
lists it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from harbour.files import atomic_write_bytes, is_inside

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp"})
# Where WordPress keeps uploads, in the address and in a media export's folders.
UPLOADS = re.compile(r"/(?:wp-content/uploads|files)/(.+)$")
RESIZED = re.compile(r"^(?P<stem>.+)-\d+x\d+(?P<suffix>\.[A-Za-z0-9]+)$")
IMAGES_SUBFOLDER = "wordpress"


def _key(relative: str) -> str:
    return relative.strip("/").casefold()


@dataclass
class MediaLibrary:
    """The media folder given with ``--media`` (or none), and what was copied from it."""

    images_dir: Path
    folder: Path | None = None
    base_url: str = ""
    copied: dict[str, str] = field(default_factory=dict)  # address -> {static} link
    missing: dict[str, list[str]] = field(default_factory=dict)  # address -> where it was used
    clashes: list[str] = field(default_factory=list)
    written: int = 0
    _by_path: dict[str, Path] = field(default_factory=dict)
    _by_name: dict[str, list[Path]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.folder is None:
            return
        for root, _, names in os.walk(self.folder):
            for name in names:
                path = Path(root) / name
                if path.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                relative = path.relative_to(self.folder).as_posix()
                match = UPLOADS.search("/" + relative)
                for key in {_key(relative), _key(match.group(1)) if match else _key(relative)}:
                    self._by_path.setdefault(key, path)
                self._by_name.setdefault(name.casefold(), []).append(path)

    def image(self, address: str, where: str) -> str | None:
        """The ``{static}`` link of an image copied here, or None (then it is listed as missing)."""
        address = urljoin(self.base_url, address.strip()) if self.base_url else address.strip()
        if address in self.copied:
            return self.copied[address]
        found = self._find(address)
        link = self._copy(found, address) if found else None
        if link is None:
            self.missing.setdefault(address, []).append(where)
            return None
        self.copied[address] = link
        return link

    def _find(self, address: str) -> tuple[Path, str] | None:
        """The file for an address and its path under images/wordpress/, or None."""
        if self.folder is None:
            return None
        try:
            path = unquote(urlsplit(address).path)
        except ValueError:
            return None
        if PurePosixPath(path).suffix.lower() not in IMAGE_SUFFIXES:
            return None
        match = UPLOADS.search(path)
        relative = match.group(1) if match else "/".join(path.strip("/").split("/")[-3:])
        candidates = [relative]
        resized = RESIZED.match(relative)
        if resized:  # WordPress's thumbnails are named cat-300x200.jpg; the original will do
            candidates.append(resized.group("stem") + resized.group("suffix"))
        for candidate in candidates:
            file = self._by_path.get(_key(candidate))
            if file is None:
                same_name = self._by_name.get(PurePosixPath(candidate).name.casefold(), [])
                file = same_name[0] if len(same_name) == 1 else None
            if file is not None and is_inside(file, self.folder):
                return file, _safe_relative(candidate)
        return None

    def _copy(self, found: tuple[Path, str], address: str) -> str | None:
        file, relative = found
        target = self.images_dir / IMAGES_SUBFOLDER / relative
        data = file.read_bytes()
        if target.exists():
            if target.read_bytes() != data:
                self.clashes.append(
                    f"{target}: already here with other contents; {address} was not copied over it "
                    "(linked as a plain link instead)"
                )
                return None
        else:
            atomic_write_bytes(target, data)
            self.written += 1
        return "{static}/" + target.relative_to(self.images_dir.parent).as_posix()


def _safe_relative(relative: str) -> str:
    """A path under images/wordpress/ that cannot climb out of it or hide as a dot file."""
    parts = [p for p in PurePosixPath(relative).parts if p not in ("", ".", "..", "/")]
    parts = [re.sub(r"[^\w.+-]", "-", p).lstrip(".") or "file" for p in parts]
    return "/".join(parts) or "image"
