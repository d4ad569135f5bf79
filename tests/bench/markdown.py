"""How long Markdown takes to render on adversarial input, at 1k, 10k and 100k characters.

    .venv/bin/python tests/bench/markdown.py [--sizes 1000,10000,100000] [--json]

Each pattern is a known way to make a Markdown parser backtrack or nest (unclosed links,
open brackets, emphasis and backtick runs, deep quotes and lists, wide tables…). For each
size: the best of five renders through ``products.markdown.render`` (cmark-gfm, then nh3),
and the render of the largest size from the cache. Budget (exit 1 when broken): from one
size to the next, ten times the text may take at most 30 times as long (linear is 10,
quadratic 100; bigger output costs a little more per character in the caches;
python-markdown, which this replaced, went from 3 s to over 8 s, i.e. past its timeout,
on ``[a](`` between 10k and 100k).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

# The project root in place of this directory: tests/bench/markdown.py must not shadow the
# markdown package that rest_framework looks for.
sys.path[0] = str(Path(__file__).resolve().parents[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402

from core import markdown  # noqa: E402
from core.fields import MARKDOWN_MAX_LENGTH  # noqa: E402

REPEAT = 5
# Ten times the text may take at most this many times as long.
MAX_GROWTH = 30.0


def _cut(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


PATTERNS: dict[str, Callable[[int], str]] = {
    "unclosed links [a](": _cut("[a]("),
    "open brackets [[[": _cut("["),
    "image references ![a][": _cut("![a]["),
    "emphasis runs *a": _cut("*a"),
    "intraword _a": _cut("a_"),
    "backtick runs": lambda n: "".join("`" * (i % 50 + 1) + "a" for i in range(n))[:n],
    "unclosed html <a ": _cut("<a "),
    "nested quotes > > >": _cut("> "),
    "nested lists": lambda n: "".join(" " * (2 * (i % 200)) + "- a\n" for i in range(n))[:n],
    "list markers - - -": _cut("- "),
    "raw html <ul>": _cut("<ul>"),
    "raw html <div><table><td></div>": _cut("<div><table><td></div>"),
    "wide table | a |": lambda n: "| a " * (n // 8) + "|\n" + "|---" * (n // 8) + "|\n",
    "link definitions [a]: <": _cut("[a]: <\n"),
    "autolinks www.": _cut("www.a.b "),
    "entities &#": _cut("&#"),
    "backslashes \\\\": _cut("\\"),
}


def _best_ms(text: str) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        markdown.render(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def measure(sizes: list[int]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, make in PATTERNS.items():
        print(f"rendering {name}", file=sys.stderr, flush=True)
        row: dict[str, Any] = {str(size): _best_ms(make(size)) for size in sizes}
        growth = [row[str(b)] / max(row[str(a)], 1e-3) for a, b in pairwise(sizes)]
        row["growth"] = max(growth) if growth else None
        text = make(sizes[-1])
        markdown.render_cached(text)  # fills the cache
        start = time.perf_counter()
        markdown.render_cached(text)
        row["cached_ms"] = (time.perf_counter() - start) * 1000
        results[name] = row
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cache.clear()
    results = measure(sizes)
    # The smallest size is too quick to time reliably: growth is judged from 10k up.
    judged = [s for s in sizes if s >= 10_000] or sizes
    failures = []
    for name, row in results.items():
        for a, b in pairwise(judged):
            ratio = row[str(b)] / max(row[str(a)], 1e-3) / (b / a) * 10
            if ratio > MAX_GROWTH:
                failures.append(f"{name}: {b:,} chars took {ratio:.0f}× the time of {a:,}")
    worst = max(results, key=lambda name: results[name][str(sizes[-1])])
    if args.json:
        print(
            json.dumps(
                {
                    "name": "markdown",
                    "renderer": markdown.RENDERER,
                    "max_length": MARKDOWN_MAX_LENGTH,
                    "results": results,
                    "worst": worst,
                    "failures": failures,
                }
            )
        )
    else:
        print(f"\nMarkdown render, best of {REPEAT} (cmark-gfm + nh3)\n")
        head = (
            f"{'pattern':<32}"
            + "".join(f"{f'{s:,} chars':>14}" for s in sizes)
            + f"{'growth ×10':>12}{'cached':>12}"
        )
        print(head)
        print("-" * len(head))
        for name, row in results.items():
            cells = "".join(f"{row[str(s)]:>11.2f} ms" for s in sizes)
            growth = f"{row['growth']:>11.1f}×" if row["growth"] is not None else f"{'':>12}"
            print(f"{name:<32}{cells}{growth}{row['cached_ms']:>9.3f} ms")
        print(
            f"\nworst at {sizes[-1]:,} chars: {worst} ({results[worst][str(sizes[-1])]:.1f} ms); "
            f"fields hold at most {MARKDOWN_MAX_LENGTH:,} characters"
        )
        print("growth ×10: time at 10× the text over the time before it (linear is 10×)")
        for failure in failures:
            print("BUDGET BROKEN:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
