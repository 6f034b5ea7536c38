"""Person names found by where mail puts them, in any language: display names in address headers (the From
header, quoted From/Reply-To/Cc lines, "... <address> wrote:"), the lines after a closing phrase, a name after
a title or a self-introduction. The small English NER model misses most of these outside English; a display
name is a person unless it reads as an organisation (a company form, a department, a role address).
"""

import re
from collections.abc import Sequence
from email.utils import parseaddr

from services.gateway.pii_detection import Detection

RULE_SCORE = 0.85  # as sure as the NER model's own finds: the place in the mail says it is a name
_PARTICLES = frozenset("de van von der den zu da di del della dos das du la le lo af ten ter y e bin al".split())
# words that make a display name or a signature line an organisation, a team or a role, not a person
ORGANISATION_WORDS = frozenset("""
    gmbh ag kg ug ltd limited llc llp inc corp corporation co plc srl spa sa sas sarl bv nv oy oyj ab as asa aps sl
    group holdings team support service services servicio servizio serviço customer customers care kundenservice
    kundendienst klantenservice atención atencion cliente clientes clienti apoio billing accounts account payable
    finance sales helpdesk desk office admin administration newsletter notifications noreply no-reply info shop store
    energy energía energia water waterbedrijf stadtwerke autohaus acquedotto águas aguas boulangeries kanzlei praxis
    department dept hr it legal marketing procurement purchasing logistics operations reception bookings reservations
    payments invoices invoicing collections security alerts news updates bank university school academy clinic hotel
    restaurant museum council city municipality gemeente kommune ayuntamiento comune mairie the your our ihr ihre
""".split())
_ROLE_LOCAL_PARTS = re.compile(
    r"^(?:no-?reply|info|service|support|billing|contact|kontakt|hello|team|office|sales|admin|accounts?|invoices?|"
    r"news(?:letter)?|notifications?|care|help|klantenservice|apoio|clientes|servizio|kundenservice|mail|post)\b", re.I)
_NOT_NAME_WORDS = frozenset("""
    on am le el il op em den the dear hi hello hey from to cc reply contact please email write call mail send sent
    subject date von an kopie de para da van aan från till kopia fra til mr mrs ms dr herr frau best kind regards
""".split())
_ADDRESS = re.compile(r"\(?<[^<>\s@]+@[^<>\s]+>\)?|\[mailto:[^\]\s]+\]")
_HEADER_LINE = re.compile(
    r"(?im)^[ \t>]*(?:from|to|cc|bcc|reply-to|sender|von|an|kopie|antwort an|de|à|a|para|da|van|aan|från|till|kopia"
    r"|fra|til|lähettäjä|vastaanottaja|kopio|cci|répondre à|responder a|rispondi a)[ \t]?:[ \t]*([^\n]+)$")
_CLOSINGS = (
    r"(?:kind|best|warm|warmest|many)\s+(?:regards|wishes|thanks)|regards|best|cheers|thanks|thank\s+you|sincerely"
    r"|yours(?:\s+(?:sincerely|truly|faithfully))?|all\s+the\s+best|take\s+care"
    r"|mit\s+freundlichen\s+grüßen|(?:freundliche|viele|beste|liebe|herzliche)\s+grüße|grüße|gruß|lg|mfg|vg|bg"
    r"|(?:bien\s+)?cordialement|bien\s+à\s+vous|(?:meilleures\s+|sincères\s+)?salutations|amicalement|merci"
    r"|(?:un\s+)?(?:cordial\s+)?saludos?(?:\s+cordiales)?|atentamente|cordialmente|un\s+abrazo|gracias"
    r"|(?:cordiali|distinti)\s+saluti|saluti|un\s+saluto|a\s+presto|grazie(?:\s+e\s+buona\s+giornata)?"
    r"|(?:met\s+)?vriendelijke\s+groet(?:en)?|hartelijke\s+groet(?:en)?|groeten|groetjes|mvg"
    r"|atenciosamente|(?:com\s+os\s+)?(?:melhores\s+)?cumprimentos|(?:um\s+)?abraços?|obrigad[oa]"
    r"|med\s+vänlig\s+hälsning|vänliga\s+hälsningar|hälsningar|med\s+venlig\s+hilsen|venlig\s+hilsen"
    r"|med\s+vennlig\s+hilsen|vennlig\s+hilsen|hilsen|mvh|ystävällisin\s+terveisin|terveisin|kiitos")
_SIGN_OFF_NAME = re.compile(  # the closing phrase, then the name on the same line or on the next non-empty one
    rf"(?im)^[ \t>]*(?:{_CLOSINGS})[ \t]*[,.!]?[ \t]*(?:\n[ \t>]*)*?(?:[ \t]|\n[ \t>]*)([^\n]{{1,60}})$")
_TITLES = (r"herr|frau|mr|mrs|ms|miss|dr|prof|monsieur|madame|mme|señora?|sra?|don|doña|signora?|sig(?:\.ra)?|dott"
           r"(?:\.ssa)?|heer|mevrouw|mevr|dhr|exm[oa]|dra|fru|herra|rouva")
_TITLED = re.compile(rf"(?i:\b(?:{_TITLES}))\.?[ \t]+(?:(?i:{_TITLES})\.?[ \t]+)?([^\n,.:;!?()<>]{{2,60}})")
_INTRODUCED = re.compile(
    r"(?i:\b(?:my name is|this is|i am|i'm|ich heiße|mein name ist|je m'appelle|je suis|me llamo|mi nombre es"
    r"|mi chiamo|sono|mijn naam is|ik ben|chamo-me|(?:o )?meu nome é|jeg hedder|jeg heter|jag heter|nimeni on))"
    r"[ \t]+([^\n,.:;!?()<>]{2,60})")


def _caseless(letters: str) -> bool:
    """Letters of a script without capitals (Chinese, Japanese, Korean, Arabic, Hebrew, Thai ...): a name there
    cannot be told by its capital letter, only by where it stands, which is all these rules read."""
    return letters.isalpha() and not any(c.isupper() or c.islower() for c in letters)


def _name_word(token: str) -> bool:
    core = token.strip("\"'’,")
    if re.fullmatch(r"[A-ZÀ-ÖØ-Þ]\.(?:-[A-ZÀ-ÖØ-Þ]\.)?", core):  # an initial: "J." or "A.-S."
        return True
    letters = core.replace("-", "").replace("'", "").replace("’", "")
    if _caseless(letters):  # 山田太郎, 李 小龍
        return True
    return (len(letters) >= 2 and letters.isalpha() and core[0].isupper() and any(c.islower() for c in letters)
            and core.lower() not in _NOT_NAME_WORDS)


def _is_organisation(words: Sequence[str]) -> bool:
    return any(word.strip("\"'’,.()").lower() in ORGANISATION_WORDS for word in words)


def _leading_name(candidate: str) -> str:
    """The run of name words a candidate starts with ("Dietmar Kreuzberger" of "Dietmar Kreuzberger, hat")."""
    taken: list[str] = []
    for token in candidate.split():
        if token.lower() in _PARTICLES and taken:
            taken.append(token)
        elif _name_word(token):
            taken.append(token.rstrip(",;"))
            if token.endswith((",", ";")):
                break
        else:
            break
    while taken and taken[-1].lower() in _PARTICLES:
        taken.pop()
    return " ".join(taken)


def _span(text: str, start: int, name: str) -> Detection | None:
    if not name or len(name.split()) > 5 or _is_organisation(name.split()):
        return None
    found = text.find(name, start)
    return Detection(found, found + len(name), "PERSON", RULE_SCORE) if found >= 0 else None


def _display_name_before(text: str, address_start: int, address: str) -> Detection | None:
    line_start = text.rfind("\n", 0, address_start) + 1
    before = text[line_start:address_start].rstrip()
    if before.endswith('"'):  # "Okonkwo, Chidinma" <...>: the quoted display name, whatever its form
        opening = before.rfind('"', 0, len(before) - 1)
        quoted = before[opening + 1 : -1] if opening >= 0 else ""
        words = quoted.replace(",", " ").split()
        if quoted and all(_name_word(w) or w.lower() in _PARTICLES for w in words) and not _is_organisation(words):
            return Detection(line_start + opening + 1, line_start + len(before) - 1, "PERSON", RULE_SCORE)
        return None
    tokens = before.split()
    taken: list[str] = []
    for token in reversed(tokens):
        if (_name_word(token) and not token.endswith((",", ":", ";"))) or (token.lower() in _PARTICLES and taken):
            taken.insert(0, token)
        else:
            break
    while taken and taken[0].lower() in _PARTICLES:
        taken.pop(0)
    if not taken or _is_organisation(taken):
        return None
    local_part = parseaddr(address.strip("()[]").replace("mailto:", ""))[1].split("@")[0]
    if len(taken) == 1 and _ROLE_LOCAL_PARTS.match(local_part):
        return None  # "Acme <info@acme.example>": a brand on a role address
    name = " ".join(taken)
    start = line_start + before.rfind(name)
    return Detection(start, start + len(name), "PERSON", RULE_SCORE)


def structural_names(text: str) -> list[Detection]:
    """Person names in ``text`` found by their place in the mail; never an organisation's display name."""
    found: list[Detection | None] = [_display_name_before(text, m.start(), m.group()) for m in _ADDRESS.finditer(text)]
    for header in _HEADER_LINE.finditer(text):
        for segment in re.split(r"[;]", header.group(1)):
            bare = _ADDRESS.sub("", segment).strip().strip('"')
            words = bare.replace(",", " ").split()
            if words and all(_name_word(w) or w.lower() in _PARTICLES for w in words):
                found.append(_span(text, header.start(1), bare))
    for pattern in (_SIGN_OFF_NAME, _TITLED, _INTRODUCED):
        for match in pattern.finditer(text):
            candidate = match.group(1).strip()
            whole_line = pattern is _SIGN_OFF_NAME
            name = _leading_name(candidate)
            if whole_line and name != candidate.rstrip(" ,."):
                continue  # a signature line that is more than a name ("Purchasing, Northwind Retail")
            found.append(_span(text, match.start(1), name))
    return [d for d in found if d is not None]


def name_parts(texts: Sequence[str], names: Sequence[str]) -> list[list[Detection]]:
    """Every standalone occurrence of a part of a found full name ("Chidinma" of "Chidinma Okonkwo")."""
    parts = {part for name in names for part in re.split(r"[\s,]+", name)
             if len(part) >= 3 and part.lower() not in _PARTICLES and _name_word(part)}
    if not parts:
        return [[] for _ in texts]
    occurrence = re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, sorted(parts, key=len, reverse=True)))})(?![\w-])")
    return [[Detection(m.start(), m.end(), "PERSON", RULE_SCORE - 0.1) for m in occurrence.finditer(text)
             if not _names_a_company(text, m.end())] for text in texts]


def _names_a_company(text: str, end: int) -> bool:
    """The capitalised words after a name part end in a company form ("Quennell" of "Quennell Print Ltd")."""
    following = []
    for token in text[end : end + 50].split("\n", 1)[0].split():
        if not token[:1].isupper():
            break
        following.append(token)
    return _is_organisation(following)
