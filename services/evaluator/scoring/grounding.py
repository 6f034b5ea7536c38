"""Whether an extracted value is written in the mail: text, ids, amounts and dates, each as people write them.

Every matcher answers "how" a value was found (or None), so the check can say which matches were loose. The
matchers accept the normalisation the extraction prompt asks for (ISO dates, plain decimals, no leading '#'),
and nothing beyond it: a value the model computed or inferred is not in the text, and that is the point.
"""

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from shared.html_text import html_to_text
from shared.pii_placeholders import PII_PLACEHOLDER

# --- text ----------------------------------------------------------------------------------------------------

_HTML_TAG = re.compile(r"</?(?:html|head|body|div|p|br|span|table|tr|td|th|b|i|strong|em|a|font|ul|ol|li|h[1-6])"
                       r"\b[^>]*>", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def visible_text(body: str) -> str:
    """The text a reader sees: HTML bodies lose their markup, plain bodies stay as they are."""
    if not _HTML_TAG.search(body):
        return body
    # a placeholder such as <PERSON_1> is text, not a tag: escaped, the parser gives it back verbatim
    return html_to_text(PII_PLACEHOLDER.sub(lambda match: f"&lt;{match[0][1:-1]}&gt;", body))[0]


def fold(text: str) -> str:
    """Case-, width- and whitespace-insensitive form used for every comparison."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _bounded(needle: str) -> re.Pattern[str]:
    """The needle as a whole token: "88123" is not found inside "881234", "A88123" or "88123-2"."""
    before = r"(?<!\w)(?<!\w-)" if needle[:1].isalnum() else ""
    after = r"(?!\w)(?!-\w)" if needle[-1:].isalnum() else ""
    return re.compile(before + re.escape(needle) + after)


def find_text(value: str, folded_source: str) -> str | None:
    """A name or company: the whole value as written ("exact"), else every word of it ("words", e.g. "Vogel,
    Katrin" for "Katrin Vogel")."""
    needle = fold(value).strip(" .,;:")
    if not needle:
        return None
    if _bounded(needle).search(folded_source):
        return "exact"
    words = _WORD.findall(needle)
    source_words = set(_WORD.findall(folded_source))
    return "words" if words and all(word in source_words for word in words) else None


def find_id(value: str, folded_source: str) -> str | None:
    """An order or invoice id, in any case, with or without a leading '#'."""
    needle = fold(value).lstrip("#").strip()
    return "exact" if needle and _bounded(needle).search(folded_source) else None


# --- amounts -------------------------------------------------------------------------------------------------

# thousands groups by comma, dot, apostrophe or (narrow) no-break space; a plain space is tried separately so
# that "Pos 1 209.00" still yields 209.00, not only 1209.00
_GROUPED = r"\d{1,3}(?:[,.'’\u00a0\u202f]\d{3})+"
_SPACED = r"\d{1,3}(?: \d{3})+"
_DECIMALS = r"(?:[.,](?:\d{1,2}(?!\d)|[-–—]{1,2}))?"
_NUMBERS = [re.compile(rf"(?<![\d.,])(?P<number>(?:{whole}){_DECIMALS})(?![\d])") for whole in
            (_GROUPED, _SPACED, r"\d+")]


def _readings(number: str) -> set[Decimal]:
    """The values a written number can mean. "1.250" is 1250 in German and 1.25 in English: both are kept,
    since the check asks whether the text supports a value, not which reading the writer meant."""
    digits = re.sub(r"[ '’\u00a0\u202f]", "", re.sub(r"[.,][-–—]+$", "", number))  # "1234.-": whole units
    last = max(digits.rfind("."), digits.rfind(","))
    if last < 0:
        return {Decimal(digits)}
    head, tail = re.sub(r"[.,]", "", digits[:last]), digits[last + 1 :]
    if len(tail) < 3:
        return {Decimal(f"{head}.{tail}")}
    readings = {Decimal(head + tail)}  # a thousands group
    if digits.count(".") + digits.count(",") == 1:
        readings.add(Decimal(f"{head}.{tail}"))
    return readings


# "£1.2m", "EUR 60k", "2,5 Mio.": the prompt asks for the plain decimal, 1200000.00
_SCALES = {"k": 1_000, "thousand": 1_000, "tsd": 1_000, "tys": 1_000, "m": 1_000_000, "mn": 1_000_000,
           "mio": 1_000_000, "mln": 1_000_000, "million": 1_000_000, "millions": 1_000_000,
           "millionen": 1_000_000, "millones": 1_000_000, "milioni": 1_000_000, "miljoen": 1_000_000,
           "miljon": 1_000_000, "miljoner": 1_000_000, "miliony": 1_000_000, "milionów": 1_000_000,
           "milionů": 1_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000, "mrd": 1_000_000_000}
_SCALED = re.compile(r"(?<![\d.,])(?P<number>\d+(?:[.,]\d{1,3})?)\s?(?P<scale>"
                     + "|".join(sorted(_SCALES, key=len, reverse=True)) + r")\.?(?!\w)", re.IGNORECASE)


def amount_values(source: str) -> set[Decimal]:
    """Every numeric value written in the source, whatever its currency sign or word."""
    values = {value for pattern in _NUMBERS for match in pattern.finditer(source)
              for value in _readings(match.group("number"))}
    values |= {value * _SCALES[match.group("scale").lower()] for match in _SCALED.finditer(source)
               for value in _readings(match.group("number"))}
    return values


def find_amount(value: str, values: set[Decimal]) -> str | None:
    try:
        return "value" if Decimal(value) in values else None
    except InvalidOperation:
        return None


# --- dates ---------------------------------------------------------------------------------------------------

# full names, genitive forms (pl, cs) and the usual abbreviations in the golden dataset's ten languages; not
# abbreviations that are common words ("out", "set", "pro"): "2 out of 3" is no date
_MONTH_NAMES = (
    "january jan januar jänner jän janvier janv enero ene gennaio gen januari janeiro styczeń stycznia leden ledna",
    "february feb februar février fevrier févr fevr febrero febbraio februari fevereiro fev luty lutego únor února",
    "march mar märz maerz mär mars marzo maart mrt março marco marzec marca březen března",
    "april apr avril avr abril abr aprile kwiecień kwietnia duben dubna",
    "may mai mayo maggio mag mei maio maj maja květen května",
    "june jun juni juin junio giugno giu junho czerwiec czerwca červen června",
    "july jul juli juillet juil julio luglio lug julho lipiec lipca červenec července",
    "august aug august août aout agosto ago augusti augustus sierpień sierpnia srpen srpna",
    "september sep sept septembre septiembre setiembre settembre setembro wrzesień września září",
    "october oct oktober okt octobre octubre ottobre ott outubro październik października říjen října",
    "november nov novembre noviembre novembro listopad listopada listopadu",
    "december dec dezember dez décembre decembre déc diciembre dic dicembre dezembro grudzień grudnia prosinec "
    + "prosince",
)
MONTHS: dict[str, int] = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_MONTH = "(?P<{}>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?(?!\w)"
_DAY = r"(?P<{}>[0-3]?\d)(?:st|nd|rd|th|er|º|\.)?"
_YEAR = r"(?P<{}>(?:19|20)\d\d)(?!\d)"
_NUMERIC_SEPARATOR = r"(?:[/-]|\.\s?)"  # "19.11.2026", "19/11/2026", Czech "8. 12. 2026"
# what joins the days of a range or list: "3-5 December", "8 or 9 April", "entre el 20 y el 25 de noviembre",
# "22. und 23.04.2027"; each day of it is a date the text states
_JOIN = (r"(?:\s*[-–—/&]\s*|\s*,\s*|\s+(?:to|till|until|through|and|or|bis|und|oder|au|et|ou|al|a|y|o|e|tot|en|of"
         r"|t/m|och|eller|do|lub|i|až|nebo)\s+)(?:(?:the|el|le|il|den|der|dem)\s+)?")
_LEADING_DAYS = re.compile(r"(?:(?<![\d.,])[0-3]?\d(?:st|nd|rd|th|er|º|\.)?" + _JOIN + r")+$", re.IGNORECASE)

_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),  # 2026-11-19
    # 19.11.2026, 11/19/26
    re.compile(r"(?<![\d.])(?P<a>\d{1,2})" + _NUMERIC_SEPARATOR + r"(?P<b>\d{1,2})" + _NUMERIC_SEPARATOR
               + r"(?P<y>\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?<![\d.,])(?P<a>\d{1,2})[./](?P<b>\d{1,2})\.(?!\d)"),  # 19.11. (German, no year)
    # 19 Nov 2026, 19. listopadu, 19 de noviembre de 2026, 19th of November, 19-Nov-2026
    re.compile(r"(?<![\d.,])" + _DAY.format("d") + r"[\s-]*(?:of\s+|de\s+)?" + _MONTH.format("m")
               + r"(?:[\s,-]*(?:de\s+|del\s+)?" + _YEAR.format("y") + ")?", re.IGNORECASE),
    # November 19, 2026; Nov 19th; December 3-5, 2026; April 8 or 9
    re.compile(r"(?<!\w)" + _MONTH.format("m") + r"\s*" + _DAY.format("d")
               + r"(?:\s*(?:[-–—]|to|and|or)\s*" + _DAY.format("d2") + r")?"
               + r"(?![\d.,]\d)(?:,?\s*" + _YEAR.format("y") + ")?", re.IGNORECASE),
]

Day = tuple[int | None, int, int]  # (year or None when the text gives none, month, day)


def _valid(year: int | None, month: int, day: int) -> Day | None:
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: "29 Feb" without a year stays possible
    except ValueError:
        return None
    return year, month, day


def _year(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) if len(text) == 4 else 2000 + int(text)


def _leading_days(source: str, end: int) -> list[int]:
    """The days listed right before a day-first date ("3-" in "3-5 December"); the list is short, so the
    look-back window is too."""
    listed = _LEADING_DAYS.search(source, max(0, end - 48), end)
    return [int(day) for day in re.findall(r"\d+", listed.group(0))] if listed else []


def _mentions_in(match: re.Match[str], source: str) -> set[Day]:
    groups = match.groupdict()
    year = _year(groups.get("y"))
    if "a" in groups:  # numeric day and month: day first in Europe, month first in the US; the text supports both
        first, second = int(groups["a"]), int(groups["b"])
        found = {_valid(year, second, first), _valid(year, first, second)}
        found |= {_valid(year, second, day) for day in _leading_days(source, match.start())}
        return {day for day in found if day}
    named = not groups["m"].isdigit()
    month = MONTHS[groups["m"].lower().rstrip(".")] if named else int(groups["m"])
    days = [int(groups["d"])] + ([int(groups["d2"])] if groups.get("d2") else [])
    if named and "d2" not in groups:  # day first: "3-5 December" (month first has its own second day)
        days += _leading_days(source, match.start())
    return {day for day in (_valid(year, month, number) for number in days) if day}


def date_mentions(source: str) -> set[Day]:
    """Every (year, month, day) the source writes, in any of the forms above; year None when it gives none."""
    return {day for pattern in _DATE_PATTERNS for match in pattern.finditer(source)
            for day in _mentions_in(match, source)}


def find_date(value: str, mentions: set[Day], received_year: int | None) -> str | None:
    """An ISO date: written with its year ("full"), or without one ("no_year") when its year is the received
    year. With no received year known, a date written without one matches on day and month alone."""
    try:
        wanted = date.fromisoformat(value)
    except ValueError:
        return None
    if (wanted.year, wanted.month, wanted.day) in mentions:
        return "full"
    if (None, wanted.month, wanted.day) in mentions and received_year in (None, wanted.year):
        return "no_year"
    return None
