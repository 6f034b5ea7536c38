"""Pattern recognizers for structured personal data (addresses, phones, cards), tuned to business mail."""

import re
from collections.abc import Sequence

from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IpRecognizer,
    PhoneRecognizer,
)
from tldextract import TLDExtract

# --- pattern recognizers: Presidio's, narrowed where their defaults misfire on business mail

# reserved and intranet suffixes are not on the public list, yet dana@corp.local is still someone's address
_PRIVATE_SUFFIXES = ("example", "test", "invalid", "localhost", "local", "internal", "corp", "lan", "intranet")
# no cache dir and no URLs: tldextract parses its bundled public-suffix snapshot and never opens a socket
_OFFLINE_DOMAINS = TLDExtract(cache_dir=None, suffix_list_urls=(), extra_suffixes=_PRIVATE_SUFFIXES)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer; its domain check reads the bundled suffix snapshot instead of downloading.

    Its pattern is costly to run over a whole mail (about 2 ms per 5 KB), and every address has an "@": only the
    stretches around each "@" are read, wide enough for the longest address (RFC 5321: 64 + 1 + 255)."""

    _REACH = 330

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = []
        for start, end in _stretches_around(text, "@", self._REACH):
            for found in super().analyze(text[start:end], entities, nlp_artifacts, regex_flags):
                found.start, found.end = found.start + start, found.end + start
                results.append(found)
        return results

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_DOMAINS(pattern_text).fqdn != ""


def _stretches_around(text: str, marker: str, reach: int) -> list[tuple[int, int]]:
    """(start, end) of the text within reach of each occurrence of the marker, overlapping stretches merged."""
    stretches: list[tuple[int, int]] = []
    at = text.find(marker)
    while at != -1:
        start, end = max(0, at - reach), min(len(text), at + reach)
        if stretches and start <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
        at = text.find(marker, at + 1)
    return stretches


class MailIpRecognizer(IpRecognizer):
    """Presidio's IP recognizer, run only on a text that has the shape of an address somewhere: an IPv4 address
    has "digit.digit.digit", every IPv6 form has two colons with at most a hex group between them."""

    _MAY_HOLD_AN_ADDRESS = re.compile(r"\d\.\d{1,3}\.\d|:[0-9A-Fa-f]{0,4}:")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        if not self._MAY_HOLD_AN_ADDRESS.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


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
    # a number right after a phone label, in the languages of our mail: national formats of countries outside
    # PHONE_REGIONS ("Tlf. 926 11 438", "puh. 040 718 2290") are read by their label, not by python-phonenumbers
    # "call me on 8992144063": a number the writer says to call, valid in a numbering plan or not
    _LABELLED = re.compile(r"(?i)\b(?:(?:tel|tlf|tfn|puh|mob|mobil|mobile|tlm|cell|phone|telefon|telefone|tél|téléphone"
                           r"|móvil|cellulare|cel)\.?:?|(?:call|ring|reach|text|dial)(?:[ \t]+(?:me|us))?[ \t]+"
                           r"(?:on|at|under))[ \t]*(\+?\d[\d \t().\-/]{6,20}\d)")
    # "+" and 10-15 digits is how an international number is written (E.164), valid in its region or not; so is
    # "+44 (0)20 7946 0958", where "(0)" is the trunk prefix dialled at home
    _INTERNATIONAL = re.compile(r"(?<![\w+])\+[1-9]\d{9,14}(?!\d)"
                                r"|(?<![\w+])\+[1-9]\d{0,3}[ ]?\(0\)[ ]?\d[\d ]{5,13}\d(?!\d)")
    FORMATTED_SCORE, BARE_SCORE = 0.6, 0.3

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = [RecognizerResult("PHONE_NUMBER", *m.span(), 0.0) for m in self._NANP_SHAPE.finditer(text)]
        labelled = {m.span(1) for m in self._LABELLED.finditer(text)}
        labelled |= {m.span() for m in self._INTERNATIONAL.finditer(text)}
        results += [RecognizerResult("PHONE_NUMBER", start, end, 0.0) for start, end in labelled]
        for run in self._DIGIT_RUN.finditer(text):
            if not self._never_a_phone(text, run.start(), run.end()):
                offset = max(0, run.start() - 3)  # the matcher looks at the characters around a number
                # Presidio's default for nlp_artifacts is None, its annotation just omits the Optional
                for found in super().analyze(text[offset : run.end() + 3], entities, nlp_artifacts):  # type: ignore[arg-type]
                    results.append(RecognizerResult("PHONE_NUMBER", offset + found.start, offset + found.end, 0.0))
        kept = [result for result in results if not self._never_a_phone(text, result.start, result.end)]
        for result in kept:
            number = text[result.start : result.end]
            formatted = sum(c.isdigit() for c in number) >= 9 and re.search(r"[+(]|\d[ ./-]+\d", number)
            is_labelled = (result.start, result.end) in labelled
            result.score = self.FORMATTED_SCORE if formatted or is_labelled else self.BARE_SCORE
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

    PATTERNS = [  # noqa: RUF012 - Presidio's CreditCardRecognizer declares PATTERNS as a list attribute
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


PHONE_REGIONS = ("US", "GB", "DE", "FR", "IE", "NL", "AT", "CH", "ES", "IT")
# not Presidio's "number": "Invoice number: 2024118230" is the commonest bare digit run in business mail
PHONE_CONTEXT = ["phone", "telephone", "tel", "cell", "mobile", "mob", "call", "fax", "reach", "ring", "dial"]
# a number right after one of these labels is an identifier, however phone-like its digits
_ID_LABELS = frozenset("""
    account acct invoice order ref reference id no nr customer contract ticket case tracking shipment waybill awb mrn po
    vat nip tax iban sku serial kundennummer rechnung auftrag
""".split())


def _labelled_as_id(text: str, start: int, context: Sequence[str]) -> bool:
    """One of the three words before is an id label, and none is the recognizer's own context word."""
    words_before = set(re.findall(r"[a-z]+", text[max(0, start - 40) : start].lower())[-3:])
    return bool(_ID_LABELS & words_before) and not words_before & set(context)


def boosted_by_context(text: str, result: RecognizerResult, context: Sequence[str]) -> float:
    """Presidio's context rule without tokenising the whole mail: a context word among the five words before
    the match adds 0.35 (and lifts the score to at least 0.4)."""
    words_before = re.findall(r"[a-z]+|\d+", text[max(0, result.start - 60) : result.start].lower())[-5:]
    if result.score >= 1.0 or not set(words_before) & set(context):
        return result.score
    return min(1.0, max(0.4, result.score + 0.35))
