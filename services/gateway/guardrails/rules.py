"""Rule signals of prompt injection in mail text: instruction-like phrases, role markers, hidden or
obfuscated text, encoded payloads, exfiltration links, tool-call and record-change instructions addressed to an
assistant, and claimed approvals. Each hit has a weight; weights combine as a noisy OR. Every rule reads the
normalised text (see normalise.py), so quoted, zero-width-split or homoglyph-spelt text is judged like plain text."""

import base64
import binascii
import re
from dataclasses import dataclass

from services.gateway.guardrails.mail_rules import mail_borne_hits
from services.gateway.guardrails.normalise import normalise

_I = re.IGNORECASE | re.DOTALL

# "ignore the previous instructions for the Friday delivery", "disregard the delivery instructions I sent":
# a customer taking back their own instructions about an errand, not an attack on the assistant's
_ERRANDS = (r"(?:delivery|deliveries|order|parcel|shipment|collection|visit|appointment|event|invoice|payment|booking"
            r"|installation|meeting)")
_NOT_ERRAND_INSTRUCTIONS = "".join(f"(?<!{errand} )" for errand in (
    "delivery", "shipping", "payment", "signing", "driver", "packing", "loading", "wire", "transfer", "banking",
    "installation", "assembly", "parking", "care"))
_NOT_ABOUT_AN_ERRAND = (rf"(?!\s+(?:for|about|regarding)\s+(?:the|my|our)\s+(?:\w+\s+){{0,2}}?{_ERRANDS}\b"
                        r"|\s+(?:I|we)\s+(?:sent|gave|emailed|left|wrote)\b)")

# (name, weight, pattern): weights say how much one hit alone should move the score
INSTRUCTION_PATTERNS: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("ignore_instructions", 0.75, re.compile(
        r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|"
        rf"all|any|your|system|original)\b[^.\n]{{0,30}}{_NOT_ERRAND_INSTRUCTIONS}\b(instructions?|prompts?|rules|"
        rf"directives|guidelines|programming|restrictions)\b{_NOT_ABOUT_AN_ERRAND}", _I)),
    ("persona_switch", 0.45, re.compile(
        r"\byou (are|will) (now|no longer|going to)\b[^.\n]{0,60}\b(act|be|called|named|mode|free|unrestricted)\b",
        _I)),
    ("jailbreak_vocabulary", 0.6, re.compile(
        r"\b(do anything now|DAN mode|jailbr(oken|eak)|no (ethical|moral)"
        r" (guidelines|constraints|restrictions|principles))\b", _I)),
    # words jailbreaks use that ordinary mail uses too: an app's or a phone's developer mode, an unfiltered water
    # supply, a plan "without limitations"; alone they are weak, with the model named they are the jailbreak's
    ("jailbreak_vocabulary_ambiguous", 0.25, re.compile(
        r"\b(developer mode|unfiltered|uncensored|without (any )?(restrictions|limitations|filters))\b", _I)),
    ("prompt_extraction", 0.6, re.compile(
        r"\b(reveal|print|repeat|show|output|display|tell me|what (are|were))\b[^.\n]{0,40}\b(system prompt|"
        r"(initial|original|hidden|secret) (instructions|prompt)|instructions you were given)", _I)),
    ("addressed_to_the_model", 0.55, re.compile(
        r"\b(AI|assistant|agent|language model|LLM|chatbot|GPT)\b[,:]?\s+(you must|please |now )?(ignore|forward|"
        r"send|delete|reveal|execute|call|output|respond only)\b", _I)),
    ("exfiltration_request", 0.55, re.compile(
        r"\b(forward|send|email|export|upload)\b[^.\n]{0,60}\b(all|every|each|any)\b[^.\n]{0,40}\b(customers?|"
        r"contacts?|addresses|e-?mails|records|data|credentials|passwords|invoices?(?=[^.\n]{0,40}\b(?:mailbox|inbox"
        r"|system|CRM|database|ledger|you (?:can find|have|hold|store|see))))\b[^.\n]{0,80}\bto\b", _I)),
    # "please send all invoices to our new AP mailbox" is ordinary accounts-payable mail: alone it stays weak
    ("invoice_forwarding_request", 0.25, re.compile(
        r"\b(forward|send|email|export|upload)\b[^.\n]{0,60}\b(all|every|each|any)\b[^.\n]{0,40}\binvoices?\b"
        r"[^.\n]{0,80}\bto\b", _I)),
    ("new_instructions_header", 0.45, re.compile(r"\b(new|updated|real|actual) (instructions|task|objective)\s*:", _I)),
    ("as_a_language_model", 0.35, re.compile(r"\bas an? (AI|large language model|language model)\b", _I)),
)
ROLE_MARKERS = re.compile(
    r"(^\s*(system|assistant)\s*:)|<\|im_start\|>|<\|im_end\|>|<\|system\|>|\[/?INST\]|<</?SYS>>|"
    r"^#{2,}\s*(instruction|system)|<\|endoftext\|>|\bBEGIN SYSTEM PROMPT\b", re.IGNORECASE | re.MULTILINE)
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


# "please ignore my previous instructions", "disregard our earlier instructions on the labels": the writer takes
# back their own message. An attack ignores the reader's: "your", "all", "any", the system's, the "above" ones.
_WRITERS_OWN = re.compile(r"\b(?:my|our|mine|ours)\b", re.IGNORECASE)
_THE_READERS = re.compile(r"\b(?:your|yours|all|any|system|above|AI|assistant|model|bot)\b", re.IGNORECASE)
_ALL_OF_MINE = re.compile(r"\b(?:all|any)(?: of)? (?:my|our)\b", re.IGNORECASE)  # "all my previous instructions"
RETRACTION_WEIGHT = 0.15


def _ignore_instructions_weight(text: str, weight: float, pattern: re.Pattern[str]) -> float:
    """The rule's weight if some match ignores the reader's instructions; weak if every match takes back the
    writer's own."""
    matches = [m.group() for m in pattern.finditer(text)]
    if not matches:
        return 0.0
    own = all(_WRITERS_OWN.search(m) and not _THE_READERS.search(_ALL_OF_MINE.sub("", m)) for m in matches)
    return RETRACTION_WEIGHT if own else weight


def _phrase_hits(text: str, prefix: str = "") -> list[tuple[str, float]]:
    hits = []
    for name, weight, pattern in INSTRUCTION_PATTERNS:
        if name == "ignore_instructions":
            weight = _ignore_instructions_weight(text, weight, pattern)
            if weight and weight < RETRACTION_WEIGHT + 1e-9:
                hits.append((prefix + "retracted_own_instructions", weight))
            elif weight:
                hits.append((prefix + name, weight))
        elif pattern.search(text):
            hits.append((prefix + name, weight))
    return hits


# copy-paste leaves one or two invisible characters in a mail; splitting words with them to hide text leaves many
OBFUSCATION_MIN_INVISIBLE = 4


def score_rules(text: str, hidden_text: str = "") -> RuleResult:
    normalised = normalise(text)
    text = normalised.text
    hits: list[tuple[str, float]] = _phrase_hits(text) + mail_borne_hits(text)
    if ROLE_MARKERS.search(text):
        hits.append(("role_marker", 0.5))
    if hidden_text.strip():
        hidden = normalise(hidden_text).text
        hits.append(("hidden_html_text", 0.35))
        # instructions a human reader cannot see are the signature of indirect injection
        hits += [(f"hidden:{name}", min(0.95, weight + 0.3))
                 for name, weight in _phrase_hits(hidden) + mail_borne_hits(hidden)]
    obfuscated = bool(normalised.mixed_script_words) or normalised.invisible_in_words >= OBFUSCATION_MIN_INVISIBLE
    if normalised.invisible_in_words:
        weight = 0.55 if normalised.invisible_in_words >= OBFUSCATION_MIN_INVISIBLE else 0.1
        hits.append(("zero_width_characters", weight))
    if normalised.mixed_script_words:
        hits.append(("homoglyph_words", 0.55 if normalised.mixed_script_words >= 2 else 0.35))
    if obfuscated and any(weight >= 0.3 for name, weight in hits if name not in _OBFUSCATION_HITS):
        hits.append(("obfuscated_instruction", 0.6))  # text hidden from reading and then an instruction in it
    for plain in _decoded_payloads(text):
        weight = 0.7 if INSTRUCTION_WORDS.search(plain) else 0.15
        hits.append(("encoded_payload", weight))
        hits += _phrase_hits(plain, "decoded:")
    names = tuple(dict.fromkeys(name for name, _ in hits))
    return RuleResult(score=round(_noisy_or([weight for _, weight in hits]), 4), hits=names)


_OBFUSCATION_HITS = frozenset({"zero_width_characters", "homoglyph_words"})
