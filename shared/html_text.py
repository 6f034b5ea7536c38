"""The text of an HTML mail body as a human reader sees it, and apart from it the text the HTML hides from them.

The agent reads the visible text. The hidden text goes to the injection guardrail: words a sender shows to a
machine but not to a person are a signal in themselves. This is not a browser: no stylesheets, no scripts, no
layout. Inline styles and attributes decide what is hidden; tags a browser would close implicitly are closed
here too, so that one unclosed hidden element cannot swallow the rest of the document.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# never text for a reader: code, metadata and inert markup. Their content goes nowhere, not even to the hidden
# text, which is for human-invisible *text*; CSS and script code would only drown the guardrail in noise.
_DROPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
# what may stand inside <head>; any other start tag means the sender forgot </head> and the body has begun
_HEAD_CONTENT = frozenset({"base", "link", "meta", "noscript", "script", "style", "template", "title"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})
_BLOCK = frozenset({"address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "div", "dl",
                    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
                    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
                    "tfoot", "thead", "tr", "ul"})
_CELL = frozenset({"td", "th"})  # cells of one row stay on one line, a space apart
_PREFORMATTED = frozenset({"pre", "textarea"})

# HTML's implied end tags, simplified: a new <li> ends the open <li> of its list, a new cell the open cell of
# its row, and a new block (<p>, <div>, <li>, <table>...) an open <p>. The search for the element to end stops
# at a boundary (the enclosing list, table, row), as the HTML tree builder's "scope" does.
_IMPLIED_END: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ol", "ul"})),
    "dt": (frozenset({"dd", "dt"}), frozenset({"dl"})),
    "dd": (frozenset({"dd", "dt"}), frozenset({"dl"})),
    "tr": (frozenset({"tr"}), frozenset({"table", "tbody", "tfoot", "thead"})),
    "td": (frozenset({"td", "th"}), frozenset({"table", "tr"})),
    "th": (frozenset({"td", "th"}), frozenset({"table", "tr"})),
    "option": (frozenset({"option"}), frozenset({"select"})),
}
_ENDS_P = _BLOCK - {"br", "caption", "tbody", "tfoot", "thead", "tr"}
_P_BOUNDARIES = frozenset({"button", "caption", "html", "table", "td", "template", "th"})

_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")
_ZERO = re.compile(r"[+-]?(0+(\.0*)?|\.0+)([a-z]+|%)?")  # 0, 0px, 0.0em, .0pt, 0%


@dataclass(frozen=True)
class _Open:
    """An open element and what it does to the text inside it (inherited from its ancestors)."""

    tag: str
    hidden: bool = False
    dropped: bool = False
    preformatted: bool = False


_DOCUMENT = _Open("#document")


def _hides(attrs: list[tuple[str, str | None]]) -> bool:
    """Whether these attributes hide the element from a human reader."""
    values: dict[str, str] = {}
    for name, value in attrs:
        values.setdefault(name, value or "")  # a browser keeps the first of duplicate attributes
    if "hidden" in values or values.get("aria-hidden", "").strip().lower() == "true":
        return True
    style: dict[str, str] = {}
    for declaration in _CSS_COMMENT.sub("", values.get("style", "")).lower().split(";"):
        prop, _, value = declaration.partition(":")
        style[prop.strip()] = value.replace("!important", "").strip()  # the last declaration wins, as in CSS
    return (style.get("display") == "none"
            or style.get("visibility") in ("hidden", "collapse")
            or _ZERO.fullmatch(style.get("font-size", "1")) is not None
            or _ZERO.fullmatch(style.get("opacity", "1")) is not None)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._open: list[_Open] = []
        self._visible: list[str] = []
        self._hidden: list[str] = []

    @property
    def _current(self) -> _Open:
        return self._open[-1] if self._open else _DOCUMENT

    def _write(self, context: _Open, text: str) -> None:
        if not context.dropped:
            (self._hidden if context.hidden else self._visible).append(text)

    def _close_from(self, index: int) -> None:
        for closed in reversed(self._open[index:]):
            if closed.tag in _BLOCK:
                self._write(closed, "\n")
        del self._open[index:]

    def _close_implied_by(self, tag: str) -> None:
        if self._current.tag == "head" and tag not in _HEAD_CONTENT:
            self._close_from(len(self._open) - 1)
        if tag in _IMPLIED_END:
            self._close_nearest(*_IMPLIED_END[tag])
        if tag in _ENDS_P:
            self._close_nearest(frozenset({"p"}), _P_BOUNDARIES)

    def _close_nearest(self, ends: frozenset[str], boundaries: frozenset[str]) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag in ends:
                self._close_from(index)
                return
            if self._open[index].tag in boundaries:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._close_implied_by(tag)
        parent = self._current
        element = _Open(tag, hidden=parent.hidden or _hides(attrs), dropped=parent.dropped or tag in _DROPPED,
                        preformatted=parent.preformatted or tag in _PREFORMATTED)
        if tag in _BLOCK:
            self._write(element, "\n")
        elif tag in _CELL:
            self._write(element, " ")
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <div/> is taken as an empty element: it must not leave a (possibly hidden) element open
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":  # browsers read a stray </br> as <br>
            self._write(self._current, "\n")
        # the end tag closes the nearest open element of its name and everything left open inside it;
        # an end tag with nothing to close is ignored
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                self._close_from(index)
                return

    def handle_data(self, data: str) -> None:
        if self._current.tag == "head" and data.strip():
            self._close_from(len(self._open) - 1)  # text cannot stand in <head>: the body has begun
        context = self._current
        self._write(context, data if context.preformatted else _WHITESPACE.sub(" ", data))

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        # "<![if mso]>", "<![CDATA[": Python < 3.13 raises AssertionError on the unknown ones; browsers read
        # every "<![" in HTML as a bogus comment that ends at the next ">", and so do we
        end = self.rawdata.find(">", i + 3)
        return -1 if end < 0 else end + 1

    def text(self) -> tuple[str, str]:
        return _tidy(self._visible), _tidy(self._hidden)


def _tidy(chunks: list[str]) -> str:
    """One line per block, runs of whitespace collapsed, blank lines dropped."""
    lines = (" ".join(line.split()) for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(html: str) -> tuple[str, str]:
    """(visible text, hidden text) of an HTML document or fragment. Never raises on malformed markup.

    Hidden means: the attribute ``hidden``, ``aria-hidden="true"``, or an inline style with display:none,
    visibility:hidden, a zero font-size or a zero opacity, on the element or an ancestor. An element left
    unclosed ends where its parent ends (or where HTML implies its end), never later.
    """
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.text()
