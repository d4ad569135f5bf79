"""Markdown: GitHub-flavoured, sanitised, linear in the text, cached by content.

How long rendering takes is measured by ``tests/bench/markdown.py``; these tests hold what
it renders, that pathological nesting falls back to plain text, and the cache.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.template import Context, Template

from core import markdown


def test_it_renders_github_flavoured_markdown() -> None:
    html = markdown.render(
        "## Why\n\n- [x] done\n- [ ] to do\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "~~old~~ see www.example.com\nnext line"
    )
    assert "<h2>Why</h2>" in html
    assert '<input type="checkbox" checked="" disabled="">' in html
    assert "<td>1</td>" in html
    assert "<del>old</del>" in html
    assert '<a href="http://www.example.com" rel="noopener noreferrer nofollow">' in html
    assert "see" in html and "<br>\nnext line" in html  # a line break is kept, as on GitHub


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="background:url(x)" onclick="alert(1)">x</p>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_it_keeps_no_script_handler_or_dangerous_link(text: str) -> None:
    html = markdown.render(text)
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style=", "data:"):
        assert bad not in html


@pytest.mark.parametrize(
    "text",
    [
        "> " * 5000 + "deep",
        "- " * 5000 + "deep",
        "<ul>" * 5000 + "deep",
        # An end tag an HTML parser ignores (the div is not in scope inside the cell) must
        # not be counted as closing anything.
        "<div><table><td></div>" * 2000 + "deep",
    ],
)
def test_text_nested_past_the_limit_is_shown_as_plain_text(text: str) -> None:
    html = markdown.render(text)
    assert "deep" in html
    assert "<blockquote>" not in html and "<ul>" not in html and "<table>" not in html
    assert html.startswith("<p>")


def test_ordinary_nesting_is_rendered() -> None:
    html = markdown.render("> quoted\n>\n> - a\n>   - b\n>     - c")
    assert html.count("<ul>") == 3 and "<blockquote>" in html


@pytest.mark.parametrize(
    ("html", "depth"),
    [
        ("<p>a</p><p>b</p>", 1),
        ("<ul><li><p>a<br>b</p></li></ul>", 3),
        ("<ul><li><ul><li>", 4),
        ("<ul></div><ul></div>", 2),  # the stray end tags close nothing
        ("<UL><ul/><ul >", 3),  # case, a self-closing slash and spaces change nothing
    ],
)
def test_the_nesting_depth_never_counts_too_few(html: str, depth: int) -> None:
    assert markdown.nesting_depth(html) == depth


def test_the_html_is_rendered_once_per_text_and_then_read_from_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real = markdown.render

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(markdown, "render", counting)
    assert markdown.render_cached("*one*") == "<p><em>one</em></p>\n"
    assert markdown.render_cached("*one*") == "<p><em>one</em></p>\n"
    assert markdown.render_cached("*two*") == "<p><em>two</em></p>\n"
    assert calls == ["*one*", "*two*"]
    assert cache.get(markdown.cache_key("*one*")) == "<p><em>one</em></p>\n"


def test_a_cache_that_is_down_costs_a_render_not_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is down")

    # core.markdown reads django.core.cache.cache, the object imported here.
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert markdown.render_cached("**still**") == "<p><strong>still</strong></p>\n"


def test_the_template_filter_renders_through_the_cache_and_keeps_the_default() -> None:
    template = Template('{% load cadence %}{{ text|markdown|default:"Nothing." }}')
    assert template.render(Context({"text": "*a*"})) == "<p><em>a</em></p>\n"
    assert template.render(Context({"text": ""})) == "Nothing."
    assert template.render(Context({"text": None})) == "Nothing."
