"""Rule signals of prompt injection in mail text: instruction-like phrases, role markers, hidden or
obfuscated text, and encoded payloads. Each hit has a weight; weights combine as a noisy OR."""

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

_I = re.IGNORECASE | re.DOTALL

# (name, weight, pattern): weights say how much one hit alone should move the score
INSTRUCTION_PATTERNS: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("ignore_instructions", 0.75, re.compile(
        r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|"
        r"all|any|your|system|original)\b[^.\n]{0,30}\b(instructions?|prompts?|rules|directives|guidelines|"
        r"programming|restrictions)\b", _I)),
    ("persona_switch", 0.45, re.compile(
        r"\byou (are|will) (now|no longer|going to)\b[^.\n]{0,60}\b(act|be|called|named|mode|free|unrestricted)\b",
        _I)),
    ("jailbreak_vocabulary", 0.6, re.compile(
        r"\b(do anything now|DAN mode|developer mode|jailbr(oken|eak)|unfiltered|uncensored|no (ethical|moral)"
        r" (guidelines|constraints|restrictions|principles)|without (any )?(restrictions|limitations|filters))\b", _I)),
    ("prompt_extraction", 0.6, re.compile(
        r"\b(reveal|print|repeat|show|output|display|tell me|what (are|were))\b[^.\n]{0,40}\b(system prompt|"
        r"(initial|original|hidden|secret) (instructions|prompt)|instructions you were given)", _I)),
    ("addressed_to_the_model", 0.55, re.compile(
        r"\b(AI|assistant|agent|language model|LLM|chatbot|GPT)\b[,:]?\s+(you must|please |now )?(ignore|forward|"
        r"send|delete|reveal|execute|call|output|respond only)\b", _I)),
    ("exfiltration_request", 0.55, re.compile(
        r"\b(forward|send|email|export|upload)\b[^.\n]{0,60}\b(all|every|each|any)\b[^.\n]{0,40}\b(invoices?|"
        r"customers?|contacts?|addresses|e-?mails|records|data|credentials|passwords)\b[^.\n]{0,80}\bto\b", _I)),
    ("new_instructions_header", 0.45, re.compile(r"\b(new|updated|real|actual) (instructions|task|objective)\s*:", _I)),
    ("as_a_language_model", 0.35, re.compile(r"\bas an? (AI|large language model|language model)\b", _I)),
)
ROLE_MARKERS = re.compile(
    r"(^\s*(system|assistant)\s*:)|<\|im_start\|>|<\|im_end\|>|<\|system\|>|\[/?INST\]|<</?SYS>>|"
    r"^#{2,}\s*(instruction|system)|<\|endoftext\|>|\bBEGIN SYSTEM PROMPT\b", re.IGNORECASE | re.MULTILINE)
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e]")
BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
INSTRUCTION_WORDS = re.compile(r"\b(ignore|instructions?|system|prompt|assistant|forward|reveal|password)\b", re.I)


@dataclass(frozen=True)
class RuleResult:
    score: float
    hits: tuple[str, ...]


def _noisy_or(weights: list[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return 1.0 - remaining


def _mixed_script_words(text: str) -> int:
    """Words mixing Latin letters with Cyrillic or Greek look-alikes (homoglyph spoofing)."""
    count = 0
    for word in re.findall(r"\w{3,}", text):
        scripts = {unicodedata.name(ch, "").split(" ")[0] for ch in word if ch.isalpha()}
        if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK"}:
            count += 1
    return count


def _decoded_payloads(text: str) -> list[str]:
    decoded = []
    for run in BASE64_RUN.findall(text)[:20]:
        try:
            plain = base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if plain.isprintable() or "\n" in plain:
            decoded.append(plain)
    return decoded


def _phrase_hits(text: str, prefix: str = "") -> list[tuple[str, float]]:
    return [(prefix + name, weight) for name, weight, pattern in INSTRUCTION_PATTERNS if pattern.search(text)]


def score_rules(text: str, hidden_text: str = "") -> RuleResult:
    hits: list[tuple[str, float]] = _phrase_hits(text)
    if ROLE_MARKERS.search(text):
        hits.append(("role_marker", 0.5))
    if hidden_text.strip():
        hits.append(("hidden_html_text", 0.35))
        # instructions a human reader cannot see are the signature of indirect injection
        hits += [(name, min(0.95, weight + 0.3)) for name, weight in _phrase_hits(hidden_text, "hidden:")]
    if ZERO_WIDTH.search(text):
        hits.append(("zero_width_characters", 0.3))
    if _mixed_script_words(text):
        hits.append(("homoglyph_words", 0.35))
    for plain in _decoded_payloads(text):
        weight = 0.7 if INSTRUCTION_WORDS.search(plain) else 0.15
        hits.append(("encoded_payload", weight))
        hits += _phrase_hits(plain, "decoded:")
    names = tuple(dict.fromkeys(name for name, _ in hits))
    return RuleResult(score=round(_noisy_or([weight for _, weight in hits]), 4), hits=names)
