"""The text every guardrail rule and the classifier read: invisible characters removed, look-alike letters mapped
to Latin, compatibility forms folded (NFKC) and quote markers taken off, so that hiding or quoting an instruction
changes nothing about how it is judged. What the normalisation had to undo is counted: it is a signal in itself.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# zero-width and other invisible format characters (Unicode Cf) that split words without showing anything
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Cyrillic and Greek letters that render like Latin ones (Unicode confusables, the ones attackers use)
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s", "һ": "h",
    "ԁ": "d", "ɡ": "g", "ӏ": "l", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "Α": "A", "Β": "B", "Ε": "E",
    "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})
_WORD = re.compile(r"\w+")
# a word can only mix scripts if the text has a Greek or Cyrillic letter at all: most mail has none, and naming
# the script of every letter of a long mail is the costliest step here
_GREEK_OR_CYRILLIC = re.compile("[\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u1c80-\u1c8f\u1d00-\u1d7f"
                                "\u2de0-\u2dff\ua640-\ua69f\uab65]")
_QUOTE_MARKERS = re.compile(r"(?m)^[ \t]*(?:>[ \t]?)+")


@dataclass(frozen=True)
class NormalisedText:
    text: str
    invisible_in_words: int  # invisible characters found between two letters: copy-paste leaves few, hiding many
    mixed_script_words: int  # words that mixed Latin with Cyrillic or Greek look-alikes


def _scripts(word: str) -> set[str]:
    return {unicodedata.name(ch, "").split(" ")[0] for ch in word if ch.isalpha()}


def _unmixed(match: re.Match[str]) -> str:
    word = match.group()
    scripts = _scripts(word)
    if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK"}:
        return word.translate(_CONFUSABLES)
    return word


@lru_cache(maxsize=16)  # the rules and the classifier read the same mail: it is normalised once
def normalise(text: str) -> NormalisedText:
    invisible_in_words = sum(1 for m in INVISIBLE.finditer(text)
                             if m.start() > 0 and m.end() < len(text) and text[m.start() - 1].isalpha()
                             and (text[m.end()].isalpha() or INVISIBLE.match(text, m.end()) is not None))
    visible = INVISIBLE.sub("", text)
    folded = unicodedata.normalize("NFKC", visible)
    mixed, unmixed = 0, folded
    if _GREEK_OR_CYRILLIC.search(folded):
        mixed = sum(1 for word in _WORD.findall(folded)
                    if "LATIN" in (scripts := _scripts(word)) and scripts & {"CYRILLIC", "GREEK"})
        unmixed = _WORD.sub(_unmixed, folded)
    unquoted = _QUOTE_MARKERS.sub("", unmixed)
    return NormalisedText(unquoted, invisible_in_words, mixed)
