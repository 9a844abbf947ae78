"""Item text between the stored HTML fragment, the editor's textarea and the page.

Stored stems and options are HTML fragments (interchange.py) that may come from any file a
teacher imports, so a page never prints them as they are: `render` rebuilds them from an
allowlist of tags and attributes (anything else is dropped, its text kept and escaped), and
points `<img src="name">` at the item's image URL. Math stays as text (\\( \\), \\[ \\]) for
KaTeX's auto-render.

The editor shows a fragment as text: line breaks for <br>, entities decoded ("x < 3"), the
allowed tags as written. `from_editor` turns it back: text escaped, only allowed tags
recognised (so "a<b" inside a formula stays text), newlines as <br>. The same rules run in
the browser for the live preview (static/hocso/questions.js).
"""

import html
import re
from collections.abc import Callable

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "b", "i", "u", "em", "strong", "sub", "sup", "span", "div", "ul", "ol",
        "li", "table", "thead", "tbody", "tr", "td", "th", "img", "code", "pre", "s",
    }
)  # fmt: skip
VOID_TAGS = frozenset({"br", "img"})
ALLOWED_ATTRIBUTES = {
    "img": ("src", "alt", "width", "height"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan"),
}
# Only an allowlisted tag is a tag in the editor's text; any other "<" is a character.
_EDITOR_TAG = re.compile(
    r"</?(?:" + "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True)) + r")\b[^<>]*>",
    re.IGNORECASE,
)
_BR = re.compile(r"<br\s*/?>\n?", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SAFE_SIZE = re.compile(r"^\d{1,4}%?$")


def render(fragment: str, image_url: Callable[[str], str | None] = lambda name: None) -> str:
    """`fragment` rebuilt from allowed tags only (nh3); `image_url(name)` gives an <img>'s
    address (None drops the address, so nothing is fetched)."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "src":
            return image_url(value)
        if attribute in ("width", "height", "colspan", "rowspan"):
            return value if _SAFE_SIZE.match(value) else None
        return value

    return nh3.clean(
        fragment or "",
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=keep,
        set_tag_attribute_values={"img": {"class": "img-fluid"}},
        link_rel=None,
    )


def to_editor(fragment: str) -> str:
    """A stored fragment as the editor's text."""
    fragment = _BR.sub("\n", fragment or "")
    parts = []
    position = 0
    for match in _EDITOR_TAG.finditer(fragment):
        parts.append(html.unescape(fragment[position : match.start()]))
        parts.append(match.group(0))
        position = match.end()
    parts.append(html.unescape(fragment[position:]))
    return "".join(parts)


def _editor_tag(tag_text: str) -> str:
    """An allowlisted tag typed in the editor, with only its allowed attributes."""
    name = re.match(r"</?([a-zA-Z]+)", tag_text).group(1).lower()
    if tag_text.startswith("</"):
        return f"</{name}>"
    kept = []
    for attr, *values in _ATTRIBUTE.findall(tag_text):
        attr = attr.lower()
        value = next((v for v in values if v), "")
        if attr in ALLOWED_ATTRIBUTES.get(name, ()):
            kept.append(f' {attr}="{html.escape(value, quote=True)}"')
    return f"<{name}{''.join(kept)}>"


def from_editor(text: str) -> str:
    """The editor's text as a stored fragment (see the module docstring)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    parts = []
    position = 0
    for match in _EDITOR_TAG.finditer(text):
        parts.append(html.escape(text[position : match.start()], quote=False))
        parts.append(_editor_tag(match.group(0)))
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts).replace("\n", "<br>")


def image_names(fragment: str) -> list[str]:
    """The `src` of every <img> of a fragment."""
    found = []
    for match in re.finditer(r"<img\b[^<>]*>", fragment or "", re.IGNORECASE):
        for attr, *values in _ATTRIBUTE.findall(match.group(0)):
            if attr.lower() == "src":
                found.append(html.unescape(next((v for v in values if v), "")))
    return found
