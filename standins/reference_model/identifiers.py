"""Order and invoice numbers, found by the word that introduces them in ten languages, kept exactly as written
(prefixes such as PO- stay; a detached '#' or 'No.' does not)."""

import re

from shared.pii_placeholders import PII_PLACEHOLDER_PATTERN

ORDER_WORDS = (
    r"orders?|order\s+(?:number|no\.?|nr\.?|id|ref(?:erence)?)|purchase\s+orders?|po|p\.o\.|bookings?|reservations?|"
    r"repair\s+orders?|bestellung(?:en)?|bestellnummer|bestellnr\.?|auftrag|auftragsnummer|pedidos?|"
    r"n[úu]mero\s+de\s+pedido|commandes?|bon\s+de\s+commande|ordine|ordini|bestelling(?:en)?|bestelnummer|"
    r"encomendas?|beställning(?:en)?|ordernummer|zamówieni[ea]|zamówień|objednávk[ay]|objednávce|rezervace|"
    r"buchung|buchungsnummer|reserva|réservation|prenotazione|boeking"
)
INVOICE_WORDS = (
    r"invoices?|inv\.?|invoice\s+(?:number|no\.?|nr\.?)|rechnung(?:en)?|rechnungsnummer|rechnungsnr\.?|"
    r"facturas?|factures?|fattur[ae]|factu(?:u)?r(?:en)?|faturas?|fakturan?|faktury|faktur[aęy]|fakturu|"
    r"credit\s+note|gutschrift|nota\s+de\s+crédito|avoir"
)
_NUMBER_WORD = r"(?:\s*(?:no\.?|nr\.?|n[°º]\.?|n\.|num\.?|number|nummer|número|numéro|numero|číslo|č\.|#|:|ref\.?))*"
_ID = rf"(?:{PII_PLACEHOLDER_PATTERN}|#?\s?(?=[A-Za-z0-9/.-]*\d)[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*)"
_JOIN = r"\s*(?:,|&|\band\b|\bund\b|\by\b|\bet\b|\be\b|\ben\b|\boch\b|\bi\b|\ba\b|\bor\b|\boder\b|\bo\b|\bou\b)\s*"


def _pattern(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{words}){_NUMBER_WORD}\s*(?P<ids>{_ID}(?:{_JOIN}{_ID})*)", re.IGNORECASE)


_ORDER = _pattern(ORDER_WORDS)
_INVOICE = _pattern(INVOICE_WORDS)
_PREFIXED = re.compile(r"(?<![\w-])(?P<id>(?P<prefix>PO|INV|RE|SO)-?\d[\w-]*)(?![\w-])")
_SPLIT = re.compile(_JOIN, re.IGNORECASE)


def _clean(token: str) -> str | None:
    token = token.lstrip("#").strip().rstrip(".,;:")
    if token.startswith("<"):
        return token
    if not any(ch.isdigit() for ch in token) or len(token) < 3:
        return None
    if re.fullmatch(r"(19|20)\d{2}", token):  # a year, not an id
        return None
    if re.fullmatch(r"\d{1,2}[./]\d{1,2}[./](\d{2}|\d{4})|(19|20)\d{2}-\d{2}-\d{2}", token):  # a date
        return None
    return token


def _collect(pattern: re.Pattern[str], text: str) -> list[str]:
    found: list[str] = []
    for match in pattern.finditer(text):
        for part in _SPLIT.split(match.group("ids")):
            token = _clean(part)
            if token and token not in found:
                found.append(token)
    return found


def find_ids(text: str) -> tuple[list[str], list[str]]:
    """(order ids, invoice ids) as written in ``text``."""
    orders, invoices = _collect(_ORDER, text), _collect(_INVOICE, text)
    for match in _PREFIXED.finditer(text):
        target = invoices if match.group("prefix") in ("INV", "RE") else orders
        if match.group("id") not in orders + invoices:
            target.append(match.group("id"))
    return orders, [i for i in invoices if i not in orders]
