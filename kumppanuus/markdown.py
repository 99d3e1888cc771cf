"""Safe Markdown: raw HTML is off, and markdown-it refuses javascript:/vbscript:/data: links."""

from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text):
    return _renderer.render(text or "")
