"""What a reader downloads: minified theme files (plugins/minify), on real builds."""

from __future__ import annotations

from pathlib import Path

import rcssmin
import rjsmin

from conftest import ROOT
from minify import minify_folder

THEME_STATIC = ROOT / "theme" / "static"


# --- plugins/minify -------------------------------------------------------------------------

def test_minify_folder_minifies_css_and_js_only_and_once(tmp_path: Path) -> None:
    css = "/* why */\n.a {\n  color: red;\n}\n"
    js = "// why\nfunction add(first, second) {\n  return first + second;  /* sum */\n}\n"
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text(css, encoding="utf-8")
    (tmp_path / "app.js").write_text(js, encoding="utf-8")
    (tmp_path / "icon.svg").write_text("<svg>  <!-- kept -->  </svg>\n", encoding="utf-8")

    sizes = minify_folder(tmp_path)

    assert (tmp_path / "css" / "site.css").read_text(encoding="utf-8") == ".a{color:red}"
    assert (tmp_path / "app.js").read_text(encoding="utf-8") == "function add(first,second){return first+second;}"
    assert (tmp_path / "icon.svg").read_text(encoding="utf-8") == "<svg>  <!-- kept -->  </svg>\n"
    assert sizes == {tmp_path / "css" / "site.css": (len(css), 13), tmp_path / "app.js": (len(js), 48)}
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["app.js", "css", "icon.svg", "site.css"]  # no temp file
    assert minify_folder(tmp_path) == {}  # already minified: nothing rewritten


def test_the_built_site_carries_minified_copies_of_the_readable_sources(dev_site: Path) -> None:
    sources = sorted(THEME_STATIC.rglob("*.css")) + sorted(THEME_STATIC.rglob("*.js"))
    assert any(p.name == "site.css" for p in sources) and any(p.name == "warnings.js" for p in sources)
    for source in sources:
        text = source.read_text(encoding="utf-8")
        built = (dev_site / "theme" / source.relative_to(THEME_STATIC)).read_text(encoding="utf-8")
        minify = rcssmin.cssmin if source.suffix == ".css" else rjsmin.jsmin
        assert built == minify(text), source
        assert len(built) < len(text), f"{source} has nothing to minify: is the source still readable?"
