"""The benchmark (`invoke bench`): its generated blog, and one whole tiny run."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, build_into
from harbour.bench import page_weight
from harbour.bench_blog import comment_counts, write_bench_blog

EXAMPLES = ROOT / "content"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_seed_writes_the_same_files_and_another_seed_others(tmp_path: Path) -> None:
    first = write_bench_blog(tmp_path / "one", examples=EXAMPLES, posts=4, comments=30, seed=7)
    again = write_bench_blog(tmp_path / "two", examples=EXAMPLES, posts=4, comments=30, seed=7)
    other = write_bench_blog(tmp_path / "three", examples=EXAMPLES, posts=4, comments=30, seed=8)
    assert _files(first.content) == _files(again.content)
    assert _files(first.content) != _files(other.content)


def test_posts_are_about_800_words_and_comments_add_up(tmp_path: Path) -> None:
    blog = write_bench_blog(tmp_path, examples=EXAMPLES, posts=6, comments=40, seed=1)
    words = [len(post.path.read_text().split()) for post in blog.posts]
    assert 650 <= statistics.mean(words) <= 1000, words
    written = list((blog.content / "comments").glob("bench-*/*.md"))
    assert len(written) == blog.comments == 40


def test_comments_spread_as_on_a_real_blog_most_posts_few_some_hundreds() -> None:
    counts = comment_counts(300, 3000, random.Random(1))
    assert sum(counts) == 3000
    assert statistics.median(counts) <= 5
    assert max(counts) >= 100


def test_the_generated_blog_builds_with_gates_passages_and_threads(tmp_path: Path) -> None:
    blog = write_bench_blog(tmp_path, examples=EXAMPLES, posts=3, comments=20, seed=1)
    output = build_into(tmp_path / "output", PATH=str(blog.content))
    pages = {post.slug: next(output.glob(f"posts/*/*/{post.slug}/index.html")).read_text() for post in blog.posts}
    assert 'id="cw-post-body" hidden' in pages["bench-00001"]  # the gated post
    assert 'class="cw-body"' in pages["bench-00002"]  # the warned passage
    most = max(blog.posts, key=lambda post: post.comments)
    replies = [p for p in (blog.content / "comments" / most.slug).glob("*.md") if "Reply-To:" in p.read_text()]
    assert replies, "no threaded reply among the comments"
    for reply in replies:
        assert f'id="comment-{reply.stem}"' in pages[most.slug]


def test_page_weight_counts_the_page_its_stylesheets_and_scripts(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("a" * 300)
    (tmp_path / "post").mkdir()
    (tmp_path / "post" / "app.js").write_text("b" * 50)
    page = tmp_path / "post" / "index.html"
    page.write_text('<link rel="stylesheet" href="/css/site.css"><script src="app.js"></script>'
                    '<script src="https://elsewhere.example/x.js"></script>')
    weight = page_weight(tmp_path, page)
    assert (weight.html, weight.css, weight.js) == (len(page.read_bytes()), 300, 50)
    assert 0 < weight.gzipped < weight.total


def test_invoke_bench_prints_the_table_ratios_and_page_weight(tmp_path: Path) -> None:
    # TMPDIR keeps the generated blog and its builds under tmp_path.
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "bench", "--posts", "5", "--comments", "10", "--runs", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for stage in "abcde":
        assert any(line.startswith(f"({stage}) ") and line.endswith(" MB") for line in lines), stage
    ratios = next(line for line in lines if line.startswith("ratios of medians:"))
    for ratio in ("c/a=", "c/b=", "d/a=", "e/a="):
        assert ratio in ratios
    assert any(line.startswith("peak memory: ") and "c/a=" in line for line in lines)
    assert any(line.startswith("article page (posts/") and "gzipped" in line for line in lines)
    assert "(d) and (e) rebuild c's site with the build memo it left" in result.stdout
    assert list(tmp_path.iterdir()) == [], "the benchmark left its temporary folder behind"
