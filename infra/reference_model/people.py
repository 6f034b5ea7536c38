"""Who wrote the mail and for which company: the From display name, else the signature; the company from the
signature lines (an e-mail domain is not a company name unless the sender writes it)."""

import re

from infra.reference_model.mail_text import MailText

PLACEHOLDER = re.compile(r"^<[A-Z_]+_\d+>$")
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
    r"jednatel|team|department|dept)\b",
    re.IGNORECASE)
_CONTACT = re.compile(r"<(EMAIL|PHONE|URL|IBAN|CREDIT_CARD)_\d+>|\+?\d[\d\s().-]{6,}|@|www\.|https?:|\btel\b|"
                      r"\bphone\b|\bmobile\b|\bfax\b", re.IGNORECASE)
_NOT_A_PERSON = re.compile(r"\b(team|support|service|info|billing|sales|noreply|no-reply|register|department|"
                           r"news|newsletter|marketing|admin|office|notifications?|system|accounts)\b|"
                           + _COMPANY_SUFFIX.pattern, re.IGNORECASE)


def looks_like_person(text: str) -> bool:
    text = text.strip()
    if PLACEHOLDER.match(text):
        return True
    words = text.split()
    return (1 <= len(words) <= 4 and not _NOT_A_PERSON.search(text) and not any(c.isdigit() for c in text)
            and all(w[:1].isupper() or w.lower() in ("van", "de", "der", "von", "da", "di", "du", "la", "le") or
                    PLACEHOLDER.match(w) for w in words))


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
    if shown and looks_like_person(shown) and (" " in shown or PLACEHOLDER.match(shown)):
        return shown
    for line in signature(mail.body)[:3]:
        if looks_like_person(line):
            return line
        name = line.split(",")[0].strip()
        if name != line and looks_like_person(name):
            return name
    return shown if shown and looks_like_person(shown) else None


def _company_part(line: str) -> str | None:
    parts = [p.strip(" .") for p in re.split(r"\s[|·•–—-]\s|,\s|\s\|\s|\s/\s", line) if p.strip(" .")]
    parts = [p for p in parts if not _CONTACT.search(p)]
    with_suffix = [p for p in parts if _COMPANY_SUFFIX.search(p) and not _JOB_TITLE.fullmatch(p)]
    if with_suffix:
        return with_suffix[0]
    others = [p for p in parts if not _JOB_TITLE.search(p)]
    if len(parts) > 1 and others and any(_JOB_TITLE.search(p) for p in parts):
        return others[0]
    return None


def company(mail: MailText, name: str | None) -> str | None:
    for line in signature(mail.body):
        if line == name or looks_like_person(line) or _CONTACT.fullmatch(line):
            continue
        found = _company_part(line)
        if found and found != name and len(found) <= 200:
            return found
    shown = mail.display_name
    if shown and not PLACEHOLDER.match(shown) and not looks_like_person(shown) and _NOT_A_PERSON.search(shown):
        generic = re.fullmatch(r"(?i)(customer\s+)?(support|service|info|billing|sales|team|noreply|no-reply)", shown)
        return None if generic else shown
    return None
