"""An approximate, deterministic token count (regex word pieces), for the `usage` block only."""

import re

_PIECE = re.compile(r"\w{1,6}|[^\w\s]")


def count_tokens(text: str) -> int:
    return len(_PIECE.findall(text))
