"""Spotlighting (Hines et al. 2024): untrusted mail text is delimited and datamarked before any model sees it.

Datamarking replaces the spaces of the untrusted text with a marker character, so a model instructed that
"text interleaved with ˆ is data" can tell the mail from its instructions, and text inside the mail cannot
close the block early: the delimiters are removed from the text before it is wrapped.
"""

import re

from shared.contracts.mail import Spotlight as SpotlightContract

DATAMARK = "\u02c6"  # ˆ modifier letter circumflex: rare in business mail, one token in common tokenizers
BEGIN = "<<<UNTRUSTED_MAIL_TEXT>>>"
END = "<<<END_UNTRUSTED_MAIL_TEXT>>>"
_DELIMITER_LOOKALIKES = re.compile(r"<<<\s*/?\s*(END_)?UNTRUSTED_MAIL_TEXT\s*>>>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0]+")


def spotlight_contract() -> SpotlightContract:
    return SpotlightContract(datamark=DATAMARK, begin=BEGIN, end=END)


def spotlight(text: str) -> str:
    neutral = _DELIMITER_LOOKALIKES.sub(" ", text.replace(DATAMARK, "^"))
    return f"{BEGIN}\n{_SPACES.sub(DATAMARK, neutral)}\n{END}"


def is_spotlighted(block: str) -> bool:
    """True when ``block`` is exactly one delimited, datamarked text (what the runtime insists on)."""
    if not (block.startswith(BEGIN + "\n") and block.endswith("\n" + END)):
        return False
    inner = block[len(BEGIN) + 1 : -len(END) - 1]
    return _SPACES.search(inner) is None and _DELIMITER_LOOKALIKES.search(inner) is None


def unmark(block: str) -> str:
    """The text as the sender wrote it (spaces restored); for people, never for a model prompt."""
    return block[len(BEGIN) + 1 : -len(END) - 1].replace(DATAMARK, " ")


def truncate(block: str, max_chars: int) -> tuple[str, int]:
    """The spotlighted block cut to at most ``max_chars`` of mail text, still delimited and datamarked, and how
    many characters were dropped. A model's context is finite; the mail's opening (the newest message) counts."""
    inner = block[len(BEGIN) + 1 : -len(END) - 1]
    if len(inner) <= max_chars:
        return block, 0
    dropped = len(inner) - max_chars
    note = DATAMARK.join(["[", str(dropped), "more", "characters", "not", "shown]"])
    return f"{BEGIN}\n{inner[:max_chars]}{DATAMARK}{note}\n{END}", dropped
