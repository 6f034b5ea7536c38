"""Amounts (plain two-decimal value, ISO 4217 currency) and dates (ISO) as written in ten European languages."""

import re
from datetime import date

_CURRENCY_WORDS = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "euro's": "EUR",
    "us$": "USD", "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "chf": "CHF", "fr.": "CHF", "sek": "SEK", "kr": "SEK", "kr.": "SEK", "kronor": "SEK",
    "nok": "NOK", "dkk": "DKK", "pln": "PLN", "zł": "PLN", "zl": "PLN", "złotych": "PLN",
    "czk": "CZK", "kč": "CZK", "kc": "CZK", "korun": "CZK",
}
_CUR = "|".join(sorted((re.escape(w) for w in _CURRENCY_WORDS), key=len, reverse=True))
_NUM = r"\d{1,3}(?:[ .,'’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_BOUND_BEFORE = r"(?<![\w.,])"
_AMOUNT = re.compile(
    rf"{_BOUND_BEFORE}(?P<c1>{_CUR})\s?(?P<n1>{_NUM})(?![\d])"
    rf"|{_BOUND_BEFORE}(?P<n2>{_NUM})\s?(?P<c2>{_CUR})(?![\w])", re.IGNORECASE)


def parse_number(text: str) -> float | None:
    raw = re.sub(r"[ '’]", "", text)
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in raw or "." in raw:
        sep = "," if "," in raw else "."
        head, _, tail = raw.rpartition(sep)
        if raw.count(sep) == 1 and len(tail) in (1, 2):
            raw = f"{head}.{tail}"
        else:
            raw = raw.replace(sep, "")
    try:
        return float(raw)
    except ValueError:
        return None


def find_amounts(text: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for match in _AMOUNT.finditer(text):
        word = (match.group("c1") or match.group("c2")).lower()
        number = parse_number(match.group("n1") or match.group("n2"))
        if number is None or (word in ("kr", "kr.", "fr.") and number < 1):
            continue
        amount = {"value": f"{number:.2f}", "currency": _CURRENCY_WORDS[word]}
        if amount not in found:
            found.append(amount)
    return found


_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan januar jänner janvier enero gennaio januari janeiro styczeń stycznia leden ledna",
    "february feb februar février fevrier febrero febbraio februari fevereiro luty lutego únor února",
    "march mar märz maerz mars marzo maart março marco marzec marca březen března",
    "april apr avril abril aprile kwiecień kwietnia duben dubna",
    "may mai mayo maggio mei maio maj maja květen května",
    "june jun juni juin junio giugno junho czerwiec czerwca červen června",
    "july jul juli juillet julio luglio julho lipiec lipca červenec července",
    "august aug août aout agosto augustus augusti sierpień sierpnia srpen srpna",
    "september sep sept septembre septiembre setiembre settembre setembro wrzesień września září",
    "october oct oktober octobre octubre ottobre outubro październik października říjen října",
    "november nov novembre noviembre novembro listopad listopada listopadu",
    "december dec dezember décembre decembre diciembre dicembre dezembro grudzień grudnia prosinec prosince",
), start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number
_MONTH = "(?:" + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th|er|e|º|\.)?"
_DE = r"(?:\s+(?:de|del|di))?"  # "5 de noviembre de 2026", "2 de dezembro de 2026"
_YEAR = r"(?:19|20)\d{2}"

_DATE = re.compile(
    rf"(?<![\d\w])(?P<iso_y>{_YEAR})-(?P<iso_m>[01]?\d)-(?P<iso_d>[0-3]?\d)(?!\d)"
    rf"|(?<![\d\w.])(?P<num_a>[0-3]?\d)\s?[./]\s?(?P<num_b>[0-3]?\d)\s?[./]\s?(?P<num_y>{_YEAR})(?!\d)"
    rf"|(?<![\d\w])(?:(?P<range_d>[0-3]?\d)\.?\s?(?:[-–—]|to|bis|au|al|a|t/m|till|do)\s?)?(?P<dmy_d>{_DAY}){_DE}\s+"
    rf"(?P<dmy_m>{_MONTH}){_DE},?\s+(?P<dmy_y>{_YEAR})(?!\d)"
    rf"|(?<![\w])(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>[0-3]?\d)(?:st|nd|rd|th)?(?:\s?[-–]\s?(?P<mdy_d2>[0-3]?\d))?,?\s+"
    rf"(?P<mdy_y>{_YEAR})(?!\d)",
    re.IGNORECASE)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _day(text: str) -> int:
    digits = re.match(r"\d+", text)
    assert digits is not None, f"{text!r} does not start with a day number"
    return int(digits.group())


def find_dates(text: str) -> list[str]:
    """Every date written with its year; a range gives its first and last day. Dates without a year and
    relative dates ("next Friday") are left out: they are ambiguous without a calendar."""
    found: list[str] = []

    def add(value: str | None) -> None:
        if value and value not in found:
            found.append(value)

    for m in _DATE.finditer(text):
        if m.group("iso_y"):
            add(_iso(int(m.group("iso_y")), int(m.group("iso_m")), int(m.group("iso_d"))))
        elif m.group("num_y"):
            first, second, year = int(m.group("num_a")), int(m.group("num_b")), int(m.group("num_y"))
            day, month = (second, first) if second > 12 >= first and "/" in m.group(0) else (first, second)
            add(_iso(year, month, day))
        elif m.group("dmy_y"):
            month = _MONTHS[m.group("dmy_m").lower().rstrip(".")]
            year = int(m.group("dmy_y"))
            if m.group("range_d"):
                add(_iso(year, month, int(m.group("range_d"))))
            add(_iso(year, month, _day(m.group("dmy_d"))))
        else:
            month = _MONTHS[m.group("mdy_m").lower().rstrip(".")]
            year = int(m.group("mdy_y"))
            add(_iso(year, month, int(m.group("mdy_d"))))
            if m.group("mdy_d2"):
                add(_iso(year, month, int(m.group("mdy_d2"))))
    return found
