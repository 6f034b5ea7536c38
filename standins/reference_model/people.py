"""Who wrote the mail and for which company: the From display name, else the signature; the company from the
signature lines (an e-mail domain is not a company name unless the sender writes it)."""

import re

from shared.pii_placeholders import PII_PLACEHOLDER, is_pii_placeholder
from standins.reference_model.mail_text import MailText

_CLOSINGS = re.compile(
    r"^(best|kind|warm|many|with)?\s*(regards|wishes|thanks|thank you|cheers|sincerely|yours|best)\b|^thx|^ta\b|"
    r"^mit freundlichen grüßen|^(viele|beste|freundliche|liebe) grüße|^gruß|^mfg|^vielen dank|^danke|"
    r"^cordialement|^bien cordialement|^salutations|^merci|^bien à vous|^(saludos|un saludo|atentamente|gracias)|"
    r"^(distinti saluti|cordiali saluti|saluti|grazie)|^(met vriendelijke groet|vriendelijke groet|groet|bedankt)|"
    r"^(atenciosamente|cumprimentos|obrigad[oa]|abraços)|^(vänliga hälsningar|med vänlig hälsning|hälsningar|tack)|"
    r"^(pozdrawiam|z poważaniem|dziękuję)|^(s pozdravem|děkuji|s přáním)",
    re.IGNORECASE)
_COMPANY_SUFFIX = re.compile(
    r"\b(ltd|limited|plc|llc|llp|inc|corp|co\.|gmbh|ag|kg|ug|e\.?\s?v|s\.?\s?a\.?\s?s?|s\.?\s?l\.?|s\.?p\.?a|s\.?r\.?l|"
    r"b\.?v|n\.?v|ab|oy|as|a/s|sp\.\s?z\s?o\.?\s?o|s\.?r\.?o|a\.?s\.|lda|sarl|group|gruppe|grupo|gruppo|holding|"
    r"hotels?|architects|partners|associates|studio|bakery|boulangerie|restaurant|café|cafe|clinic|school|"
    r"logistics|solutions|systems|services|consulting|design|media|labs?|foods?|retail|trading|industries|"
    r"condominio|stadtwerke|verein|stiftung|fundación|fondation|coop|cooperative|agency|agentur)\b",
    re.IGNORECASE)
_JOB_TITLE = re.compile(
    r"\b(manager|director|head|officer|assistant|coordinator|owner|founder|ceo|cfo|coo|cto|purchasing|procurement|"
    r"buyer|accounts?|accounting|finance|billing|credit control|office|operations|sales|marketing|admin|"
    r"administrator|amministratrice|amministratore|einkauf|buchhaltung|leiter|leiterin|geschäftsführer(in)?|"
    r"inhaber(in)?|responsable|directeur|directrice|gérant|gerente|jefe|jefa|direttore|direttrice|titolare|"
    r"inkoper|eigenaar|gerente|ekonomiansvarig|inköp|ansvarig|kierownik|dyrektor|właściciel|ředitel|vedoucí|"
    r"jednatel|team|department|dept|partner|controller|secretary|treasurer|chair|clerk|supervisor|lead|specialist|"
    r"engineer|consultant|advisor|adviser|executive|president|general manager|it|hr|legal|compliance|solicitor|"
    r"abogad[oa]|avocat|avocate|associate|purchaser|administración|departamento|personalentwicklung|\w+manager)\b",
    re.IGNORECASE)
_CONTACT = re.compile(r"<(EMAIL|PHONE|URL|IBAN|CREDIT_CARD)_\d+>|\+?\d[\d\s().-]{6,}|@|www\.|https?:|\btel\b|"
                      r"\bphone\b|\bmobile\b|\bfax\b", re.IGNORECASE)
_NOT_A_PERSON = re.compile(r"\b(team|support|service|info|billing|sales|noreply|no-reply|register|department|"
                           r"news|newsletter|marketing|admin|office|notifications?|system|accounts)\b|"
                           + _COMPANY_SUFFIX.pattern, re.IGNORECASE)


def looks_like_person(text: str) -> bool:
    text = text.strip()
    if is_pii_placeholder(text):
        return True
    words = text.split()
    return (1 <= len(words) <= 4 and not _NOT_A_PERSON.search(text) and not any(c.isdigit() for c in text)
            and not re.search(r"[,|:;&]", text) and not _JOB_TITLE.search(text)
            and all(w[:1].isupper() or w.lower() in ("van", "de", "der", "von", "da", "di", "du", "la", "le") or
                    is_pii_placeholder(w) for w in words))


def signature(body: str) -> list[str]:
    """The lines after the last closing formula (or the last few lines when there is none)."""
    lines = [line.strip() for line in body.strip().splitlines()]
    for index in range(len(lines) - 1, -1, -1):
        if _CLOSINGS.match(lines[index]) and len(lines[index]) < 40:
            tail = [line for line in lines[index + 1:] if line]
            if tail:
                return tail[:6]
    return [line for line in lines[-4:] if line and len(line) < 80]


def customer_name(mail: MailText) -> str | None:
    shown = mail.display_name
    if shown and looks_like_person(shown) and (" " in shown or is_pii_placeholder(shown)):
        return shown
    for line in signature(mail.body)[:3]:
        if looks_like_person(line):
            return line
        name = line.split(",")[0].strip()
        if name != line and looks_like_person(name):
            return name
    return shown if shown and looks_like_person(shown) else None


_LEGAL_FORM = re.compile(
    r"\b(ltd|limited|plc|llc|llp|inc|corp|gmbh|ag|kg|ug|s\.?\s?a\.?\s?s?|s\.?\s?l\.?|s\.?p\.?a|s\.?r\.?l|b\.?v|n\.?v|"
    r"ab|oy|a/s|sp\.\s?z\s?o\.?\s?o|s\.?r\.?o|a\.?s|lda|sarl)\b\.?", re.IGNORECASE)
# split a signature line into title / company / place, but never before a legal form ("Ruiz Asesores, S.L.")
_PARTS = re.compile(r"\s[|·•–—-]\s|\s\|\s|\s/\s|,\s(?!(?:S\.|SL|SA|Inc|Ltd|LLC|GmbH|B\.V|N\.V|Sp\.|s\.r\.o|a\.s))")
_ADDRESS = re.compile(r"\d|\w(straße|strasse|weg|gasse|straat|gatan|vägen)\b"
                      r"|\b(street|road|lane|avenue|straße|strasse|str\.|calle|rue|via|laan|rua|gatan|ulica|ul\.)\b",
                      re.IGNORECASE)


def _company_part(line: str, after_name: bool) -> str | None:
    parts = [p.strip().rstrip(",;") for p in _PARTS.split(line) if p.strip(" .,")]
    parts = [p for p in parts if not _CONTACT.search(p) and not _ADDRESS.search(p)]
    legal = [p for p in parts if _LEGAL_FORM.search(p)]
    if legal:
        return legal[0]
    organisations = [p for p in parts if _COMPANY_SUFFIX.search(p) and not _JOB_TITLE.search(p)]
    if organisations:
        return organisations[0]
    others = [p for p in parts if not _JOB_TITLE.search(p)]
    if len(parts) > 1 and others and len(others) < len(parts):
        return others[0]
    if after_name and len(parts) == 1 and others and not PII_PLACEHOLDER.match(others[0]) \
            and others[0][:1].isupper() and len(others[0].split()) <= 6:
        return others[0]  # a plain line under the writer's name and title is their organisation
    return None


def company(mail: MailText, name: str | None) -> str | None:
    lines = signature(mail.body)
    for line in lines:  # a registered legal form (Ltd, GmbH, S.L., Sp. z o.o., ...) is the surest sign
        parts = [p.strip().rstrip(",;") for p in _PARTS.split(line)]
        legal = [p for p in parts if _LEGAL_FORM.search(p) and not _CONTACT.search(p) and not _ADDRESS.search(p)]
        if legal and legal[0] != name:
            return legal[0]
    name_at = next((i for i, line in enumerate(lines) if line == name or looks_like_person(line)), None)
    for index, line in enumerate(lines):
        if index == name_at or line == name or _CONTACT.fullmatch(line):
            continue
        after_name = name_at is not None and index > name_at
        if looks_like_person(line) and not after_name and not _COMPANY_SUFFIX.search(line):
            continue
        found = _company_part(line, after_name)
        if found and found != name and len(found) <= 200:
            return found
    shown = mail.display_name
    if shown and not is_pii_placeholder(shown) and not looks_like_person(shown) and _NOT_A_PERSON.search(shown):
        generic = re.fullmatch(r"(?i)(customer\s+)?(support|service|info|billing|sales|team|noreply|no-reply)", shown)
        return None if generic else shown
    return None
