"""Markdown to safe HTML, in time linear in the text, cached by content.

cmark-gfm (GitHub's C implementation of CommonMark with its table, strikethrough,
autolink and task-list extensions) parses; nh3 (ammonia) keeps only the tags below.
Both are linear in their input: ``python tests/bench/markdown.py`` prints the render time
of adversarial patterns at 1k, 10k and 100k characters. python-markdown, which this
replaced, took ~100 s on ``"[a](" * 10000``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from importlib.metadata import version

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.core.cache import cache
from django.utils.html import escape, linebreaks

logger = logging.getLogger(__name__)

# What rendered Markdown may keep: no script, style, iframe or event-handler attribute.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "input",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "input": {"type", "checked", "disabled"}}
EXTENSIONS = ["table", "strikethrough", "autolink", "tasklist"]
# Raw HTML is passed to nh3, which keeps the allowed tags and drops the rest; a line
# break in the text is a line break on the page, as in GitHub's issues and Jira.
OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_HARDBREAKS | Options.CMARK_OPT_VALIDATE_UTF8
# Part of every cache key: changing the renderer or its options changes it, and the
# HTML cached by the old one is never served again.
RENDERER = repr(
    (version("cmarkgfm"), version("nh3"), int(OPTIONS), EXTENSIONS, sorted(ALLOWED_TAGS),
     sorted((tag, sorted(names)) for tag, names in ALLOWED_ATTRIBUTES.items()))
)  # fmt: skip
CACHE_SECONDS = 7 * 24 * 3600

# The HTML parser inside nh3 (html5ever, as in browsers) looks through the open elements
# at each tag, so elements nested n deep cost n² (50,000 nested quotes: 19 s). Real
# documents nest a few levels; past this depth the text is shown as plain paragraphs.
MAX_DEPTH = 100
TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


def nesting_depth(html: str) -> int:
    """How deep the elements of ``html`` nest, counted so as never to count too few.

    An end tag closes only the element open last: one that would close several, or none,
    is ignored, so unbalanced raw HTML (``<ul></div>``) counts as deeper, never shallower,
    than an HTML parser would make it.
    """
    stack: list[str] = []
    deepest = 0
    for match in TAG.finditer(html):
        name = match[2].lower()
        if match[1]:
            if stack and stack[-1] == name:
                stack.pop()
        elif name not in VOID:
            stack.append(name)
            deepest = max(deepest, len(stack))
    return deepest


def render(text: str) -> str:
    """Sanitised HTML for the Markdown ``text``, whatever its size or shape."""
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=OPTIONS, extensions=EXTENSIONS)
    if nesting_depth(html) > MAX_DEPTH:
        return linebreaks(escape(text))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def cache_key(text: str) -> str:
    digest = hashlib.blake2b(f"{RENDERER}\0{text}".encode(), digest_size=20).hexdigest()
    return f"markdown:{digest}"


def render_cached(text: str) -> str:
    """``render(text)``, kept in the cache under a hash of the text.

    The key is the content, not the object: a new version of a description has a new key,
    an unchanged one renders once for every page, viewer and process. A cache that is down
    costs a render, never the page.
    """
    if not text:
        return ""
    key = cache_key(text)
    try:
        html: str | None = cache.get(key)
    except Exception:  # the cache is a speed-up: Redis being down must not break the page
        logger.warning("markdown cache unavailable", exc_info=True)
        return render(text)
    if html is None:
        html = render(text)
        try:
            cache.set(key, html, CACHE_SECONDS)
        except Exception:
            logger.warning("markdown cache unavailable", exc_info=True)
    return html
