"""What `import-wordpress` did, as the writer reads it at the end: counts first, then what needs them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from comments.transfer.importer import ImportReport
from harbour.wxr import WxrItem

SHOWN_PER_LIST = 20


@dataclass
class WordPressReport:
    source: str
    # (type, status on WordPress, status here) -> how many
    items: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    skipped_items: Counter[tuple[str, str]] = field(default_factory=Counter)  # (type, why) -> how many
    unknown_shortcodes: dict[str, list[str]] = field(default_factory=dict)
    missing_images: dict[str, list[str]] = field(default_factory=dict)
    image_clashes: list[str] = field(default_factory=list)
    images_copied: int = 0
    dropped: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    redirects_not_kept: list[str] = field(default_factory=list)
    triggers: dict[str, list[str]] = field(default_factory=dict)
    not_public: list[str] = field(default_factory=list)
    comments: ImportReport = field(default_factory=ImportReport)
    released: int = 0
    linkbacks_total: int = 0
    linkbacks_new: int = 0

    def count_item(self, item: WxrItem, here: str) -> None:
        wp_status = "password-protected" if item.password_protected else item.wp_status
        self.items[(item.post_type, wp_status, here)] += 1

    def skip_item(self, item: WxrItem, why: str) -> None:
        self.skipped_items[(item.post_type, why)] += 1

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.written or self.redirects or self.images_copied or self.comments.created
            or self.released or self.linkbacks_new
        )

    def summary(self) -> str:
        lines = [f"Imported from {self.source}:"]
        for kind in ("post", "page"):
            counts = {k: n for k, n in self.items.items() if k[0] == kind}
            if counts:
                shown = ", ".join(
                    f"{n} {wp}" + ("" if here == "published" else f" -> {here}")
                    for (_, wp, here), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                )
                lines.append(f"  {kind}s: {sum(counts.values())} ({shown})")
        lines.append(
            f"  files: {len(self.written)} written, {len(self.unchanged)} already here from an earlier import, "
            f"{len(self.clashes)} clashes; {self.images_copied} images copied; {len(self.redirects)} redirects written"
        )
        statuses = self.comments.statuses
        shown = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "none new"
        lines.append(
            f"  comments: {shown}; {len(self.comments.existing)} already here"
            + (f"; {self.released} held earlier, now published" if self.released else "")
        )
        lines.append(
            f"  pingbacks and trackbacks: {self.linkbacks_total} (kept apart in the private store, not "
            f"published; {self.linkbacks_new} new)"
        )
        skipped = ", ".join(f"{n} {kind} ({why})" for (kind, why), n in sorted(self.skipped_items.items()))
        lines.append(f"  skipped: {skipped or 'nothing'}")
        sections = (
            ("Clashes: these files were left as they are", self.clashes + self.image_clashes),
            ("Unknown shortcodes, kept in the text as written: edit them by hand",
             [f"[{name}] in {', '.join(sorted(set(where)))}" for name, where in sorted(self.unknown_shortcodes.items())]),
            ("Images not found (use --media FOLDER); each is a plain link, never loaded from the old host",
             [f"{address} (in {', '.join(sorted(set(where)))})" for address, where in self.missing_images.items()]),
            ("Left out of bodies (nothing a reader could see without loading another site)", self.dropped),
            ("Old addresses not kept", self.redirects_not_kept),
            ("Trigger tags to consider (from the post's tags; add them to Triggers: or "
             "Content-Warnings: yourself)",
             [f"{path}: {', '.join(slugs)}" for path, slugs in self.triggers.items()]),
            ("Private and password-protected posts, kept as drafts (their text is not published)",
             self.not_public),
        )
        for title, entries in sections:
            if entries:
                lines.append(f"{title}:")
                lines += [f"  - {entry}" for entry in entries[:SHOWN_PER_LIST]]
                if len(entries) > SHOWN_PER_LIST:
                    lines.append(f"  - ... and {len(entries) - SHOWN_PER_LIST} more")
        comments = self.comments.summary().splitlines()
        lines += ["Comments:", *[f"  {line}" for line in comments]]
        return "\n".join(lines)
