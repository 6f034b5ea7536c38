"""Replaces personal data in a mail's texts with typed placeholders, fully offline, before anything else sees it."""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from presidio_analyzer import PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    IbanRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsSsnRecognizer,
)

from services.gateway.name_rules import name_parts, structural_names
from services.gateway.person_names import (
    GREETED_SCORE,
    PreloadedSpacyNlpEngine,
    greeted_names,
    load_ner_pipeline,
    ner_candidate_windows,
    plausible_name,
    stated_as_name,
)
from services.gateway.pii_detection import Detection
from services.gateway.pii_patterns import (
    PHONE_CONTEXT,
    PHONE_REGIONS,
    MailCardRecognizer,
    MailIpRecognizer,
    MailPhoneRecognizer,
    OfflineEmailRecognizer,
    boosted_by_context,
)

_PREFIXES = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN",
    "US_SSN": "SSN", "IP_ADDRESS": "IP", "PERSON": "PERSON",
}
# on a tie in score and length the more specific type wins (an IPv4 address can also parse as a phone number)
_TYPE_PRIORITY = {t: rank for rank, t in enumerate(
    ("EMAIL_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "US_SSN", "IP_ADDRESS", "PHONE_NUMBER", "PERSON"))}


def placeholder_prefix(entity_type: str) -> str:
    return _PREFIXES[entity_type]


@dataclass(frozen=True)
class RedactedEntity:
    placeholder: str  # e.g. "<EMAIL_1>"
    entity_type: str  # e.g. "EMAIL_ADDRESS"
    value: str  # the original text: goes to the vault only, never into logs or spans


@dataclass(frozen=True)
class RedactionResult:
    text: str
    entities: tuple[RedactedEntity, ...]  # one per distinct (type, value) in this text
    counts: dict[str, int]  # occurrences redacted per entity type: safe to put on a span


class PiiRedactor:
    """Load once (about a second) and reuse: the model and the recognizers serve every call."""

    def __init__(self, score_threshold: float = 0.5) -> None:
        self.score_threshold = score_threshold
        self.nlp_engine = PreloadedSpacyNlpEngine(load_ner_pipeline())
        self.person_recognizer = SpacyRecognizer(supported_entities=["PERSON"])
        self.pattern_recognizers: list[PatternRecognizer | PhoneRecognizer] = [
            OfflineEmailRecognizer(), MailCardRecognizer(), IbanRecognizer(), UsSsnRecognizer(), MailIpRecognizer(),
            MailPhoneRecognizer(supported_regions=PHONE_REGIONS, leniency=1, context=PHONE_CONTEXT),
        ]

    def redact(self, *texts: str) -> list[RedactionResult]:
        """Redact the texts of one mail (sender, subject, body, ...) with placeholders shared across them."""
        found = [self.find_patterns(text) for text in texts]
        persons = self.find_persons(texts, [ner_candidate_windows(text) for text in texts])
        placed = [structural_names(text) for text in texts]
        # the parts of a name found by its place stand for the person elsewhere ("Thanks, Priyanka")
        names = [text[d.start : d.end] for text, detections in zip(texts, placed, strict=True) for d in detections]
        parts = name_parts(texts, names)
        per_text = zip(found, persons, placed, parts, strict=True)
        return assign_placeholders(texts, [[*a, *b, *c, *d] for a, b, c, d in per_text])

    def find_patterns(self, text: str) -> list[Detection]:
        detections = []
        for recognizer in self.pattern_recognizers:
            for result in recognizer.analyze(text, recognizer.supported_entities):
                score = boosted_by_context(text, result, recognizer.context)
                if score >= self.score_threshold:
                    detections.append(Detection(result.start, result.end, result.entity_type, score))
        return detections

    def find_persons(self, texts: Sequence[str], windows: Sequence[list[tuple[int, int]]]) -> list[list[Detection]]:
        """NER over the candidate windows of all texts in one batch, offsets mapped back to each text."""
        owners = [(index, start) for index, text_windows in enumerate(windows) for start, _ in text_windows]
        snippets = [texts[index][start:end] for index, spans in enumerate(windows) for start, end in spans]
        # a thread quotes the same signature again and again: each distinct snippet goes through the model once
        distinct = list(dict.fromkeys(snippets))
        analysed = self.nlp_engine.process_batch(distinct, "en", batch_size=max(1, len(distinct)))
        found = {snippet: self.person_recognizer.analyze(snippet, ["PERSON"], nlp) for snippet, nlp, *_ in analysed}
        names: list[tuple[int, Detection]] = []
        for (index, offset), snippet in zip(owners, snippets, strict=True):
            for result in found[snippet]:
                whole = Detection(offset + result.start, offset + result.end, "PERSON", result.score)
                if result.score >= self.score_threshold and (name := plausible_name(texts[index], whole)):
                    names.append((index, name))
        if self.score_threshold <= GREETED_SCORE:
            names += greeted_names(texts, names)
        # a lone word is also kept when it is part of a full name in the same mail ("Daniel" of "Daniel Kowalski")
        values = [(index, name, texts[index][name.start : name.end]) for index, name in names]
        name_parts = {part for _, _, value in values if " " in value for part in value.split()}
        detections: list[list[Detection]] = [[] for _ in texts]
        for index, name, value in values:
            if " " in value or value in name_parts or stated_as_name(texts[index], name):
                detections[index].append(name)
        return detections


# --- placeholders: resolve overlaps, carry each value to all its occurrences, number per type, splice


def _without_overlaps(detections: Sequence[Detection]) -> list[Detection]:
    """Higher score wins, then the longer span, then the more specific type; placeholders never nest."""
    ranked = sorted(set(detections),
                    key=lambda d: (-d.score, d.start - d.end, _TYPE_PRIORITY[d.entity_type], d.start))
    kept: list[Detection] = []
    for candidate in ranked:
        if all(candidate.end <= other.start or other.end <= candidate.start for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda d: d.start)


def _with_every_occurrence(texts: Sequence[str], kept: list[list[Detection]]) -> list[list[Detection]]:
    """A value found once (a name in the sign-off) is redacted wherever it appears in the same mail."""
    best: dict[str, Detection] = {}
    for text, detections in zip(texts, kept, strict=True):
        for detection in filter(lambda d: d.spreads, detections):
            value = text[detection.start : detection.end]
            if value not in best or detection.score > best[value].score:
                best[value] = detection
    if not best:
        return kept
    occurrence = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, sorted(best, key=len, reverse=True)))})(?!\w)")
    return [
        _without_overlaps(detections + [
            Detection(m.start(), m.end(), best[m.group()].entity_type, best[m.group()].score)
            for m in occurrence.finditer(text)
        ])
        for text, detections in zip(texts, kept, strict=True)
    ]


def assign_placeholders(texts: Sequence[str], detections: Sequence[Sequence[Detection]]) -> list[RedactionResult]:
    kept = _with_every_occurrence(texts, [_without_overlaps(found) for found in detections])
    placeholders: dict[tuple[str, str], str] = {}
    numbered: Counter[str] = Counter()
    results = []
    for text, spans in zip(texts, kept, strict=True):
        pieces: list[str] = []
        entities: dict[tuple[str, str], RedactedEntity] = {}
        position = 0
        for span in spans:
            key = (span.entity_type, text[span.start : span.end])
            if key not in placeholders:
                numbered[span.entity_type] += 1
                placeholders[key] = f"<{placeholder_prefix(span.entity_type)}_{numbered[span.entity_type]}>"
            entities.setdefault(key, RedactedEntity(placeholders[key], *key))
            pieces += [text[position : span.start], placeholders[key]]
            position = span.end
        pieces.append(text[position:])
        counts = dict(Counter(span.entity_type for span in spans))
        results.append(RedactionResult("".join(pieces), tuple(entities.values()), counts))
    return results
