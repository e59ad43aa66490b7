"""Comment bodies as HTML: CommonMark without raw HTML, safe links only, small headings."""

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_SAFE_SCHEMES = {"http", "https", "mailto"}


def _safe_link(url: str) -> bool:
    """Only web and mail links (or relative ones) become links; anything else stays text."""
    scheme = _SCHEME.match(url.strip())
    return scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES


def _link_open(self, tokens, idx, options, env):
    tokens[idx].attrSet("rel", "nofollow ugc noopener")
    return self.renderToken(tokens, idx, options, env)


def _heading(self, tokens, idx, options, env):
    # A `# heading` in a comment is a bold line of the comment's size, never one of the
    # page's headings: it would outrank the item's title, for the eye and for screen
    # readers navigating by heading.
    tokens[idx].tag = "p"
    if tokens[idx].nesting == 1:
        tokens[idx].attrSet("class", "comment-heading")
    return self.renderToken(tokens, idx, options, env)


def _markdown() -> MarkdownIt:
    # CommonMark without raw HTML: a typed <script> is text. Images are off so a comment
    # cannot make readers' browsers fetch third-party URLs; line breaks are kept.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    md.disable("image")
    md.validateLink = _safe_link
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)
    return md


_MD = _markdown()


def render_markdown(text: str) -> Markup:
    """Render a comment body as sanitised HTML: CommonMark, no raw HTML, safe links only;
    headings become bold paragraphs (``p.comment-heading``)."""
    return Markup(_MD.render(text or ""))
