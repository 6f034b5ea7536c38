"""Rules for the attacks that arrive as mail rather than as chat jailbreaks: instructions addressed to the
assistant that call tools or change records, links built to carry the mail's data out, and claimed approvals
that are meant to skip a check. Each rule alone stays below the flag threshold where benign mail can say the
same thing (a customer asking to update an address, a tracking link, "my manager approved the quote"); it is
the combination with a bypass, an addressee that is the machine, or a placeholder in a URL that flags."""

import re

_I = re.IGNORECASE
# who an instruction is for: the machine reading the mail
_ADDRESSEE = (r"(?:AI|A\.I\.|(?:AI |virtual |automated |mail |email )?(?:assistant|agent|bot|chatbot|model|LLM)"
              r"|automated (?:system|mail handler|handler|process)|(?:mail|e-?mail) handler|assistant system)")
# what it is told to do: act on a tool, a record or a message
_ACTION = (r"(?:approve|change|update|set|mark|credit|pay|close|skip|ignore|follow|execute|run|call|invoke|use|export"
           r"|forward|send|delete|replace|treat|write|create|cancel|issue|waive|apply|override|release|transfer"
           r"|refund|email|mail|copy|reveal|output|respond|reply|add|remove|include|render|embed|append|show|put"
           r"|process|book|redirect|switch|reset|notify|confirm|share|upload)")
_RECORD = (r"(?:CRM|database|ledger|records?|account|customer (?:record|data|details)|bank (?:details|account)"
           r"|IBAN|address|e-?mail address|credit limit|discount|status|invoices?|audit (?:log|entries))")

ADDRESSED_INSTRUCTION = re.compile(  # "Assistant: call ...", "To the AI processing this email: use ..."
    rf"\b{_ADDRESSEE}\b[^\n.!?:,;]{{0,60}}?[,:]\s*(?:please\s+|kindly\s+|now\s+|you must\s+)?{_ACTION}\b"
    rf"|\b(?:the|this|your)\s+{_ADDRESSEE}\b[^\n.!?]{{0,60}}?\b(?:must|should|shall|is to|needs to|has to|is "
    rf"(?:authori[sz]ed|allowed|permitted) to)\s+(?:now\s+)?{_ACTION}\b", _I)
# every addressee above has one of these words: a cheap test before the costly pattern
_MAY_ADDRESS_A_MACHINE = re.compile(r"\b(?:AI|A\.I\.|assistant|agent|bot|chatbot|model|LLM|automated|handler)", _I)
TOOL_CALL_SYNTAX = re.compile(  # the forms a model's own tool calls take, or a tool named as the reader's
    r"<tool_call>|<function=|\"?(?:tool_calls?|function_call)\"?\s*[:=]|\"name\"\s*:\s*\"[a-z]+_[a-z_]+\"\s*,"
    r"|\b(?:call|invoke|use|run|execute|trigger)\s+(?:the|your)\s+[\w-]+\s+(?:tool|function)\b", _I)
# "get_invoice(invoice_id) returns 404", "we call the create_order endpoint": developers write code in mail too,
# so a function's name or call alone is a weak sign; addressed to the assistant it adds up with that rule
FUNCTION_SYNTAX = re.compile(
    r"\b(?:call|invoke|use|run|execute|trigger)\s+(?:the\s+|your\s+)?[a-z]+(?:_[a-z]+)+\b"
    r"|\b[a-z]+(?:_[a-z]+)+\s*\([^()\n]{0,200}\)", _I)
# every form above names a snake_case tool or says "tool" or "function": a cheap test before the costly pattern
_MAY_NAME_A_TOOL = re.compile(r"[a-z]_[a-z]|tool|function", _I)
RECORD_CHANGE = re.compile(
    rf"\b(?:set|mark|change|update|replace|switch|redirect)\b[^\n.!?]{{0,50}}\b{_RECORD}\b[^\n.!?]{{0,60}}"
    rf"\b(?:to|as|in (?:the|your) (?:CRM|database|ledger|records?))\b", _I)
SKIP_REVIEW = re.compile(
    r"\b(?:no|without(?: any| the usual| further)?)\s+(?:human\s+)?(?:review|checks?|verification|confirmation|"
    r"escalation|approval step|human step)\b|\bdo not (?:ask|call|contact|verify|check|confirm|create a review|"
    r"send it for (?:human )?review)\b|\bdon'?t (?:call|contact|verify|check|ask)\b|\bno need to (?:verify|confirm|"
    r"check|re-?approve|ask)\b|\bskip(?:s|ping)? (?:all |the )?(?:checks|review|guardrails|critic|confirmation|"
    r"verification)\b|\bnot to be disturbed\b|\bignore the (?:refund )?limit\b|\boverride the (?:refund )?limit\b"
    r"|\bas if it came from\b|\bmarked? (?:it )?as approved by a human\b", _I)

# a URL whose query is a template to be filled with the mail's data, or a link built from it
_URL = r"https?://[^\s)\"'<>]+"
PLACEHOLDER_URL = re.compile(
    rf"{_URL}?[?&][\w.-]*=[^\s)\"'>]*?(?:\{{[^}}\n]*\}}|\[[A-Z][A-Z _]+\]|%%?[A-Z][A-Z_]+%%?|\$[A-Z][A-Z_]+"
    rf"|<[a-z][a-z' ]+>|\b[A-Z]{{3,}}(?:_[A-Z]+)+\b|\b(?:NAME|IBAN|ADDRESS|EMAIL|PHONE|SUMMARY|TOKEN)\b)"
    rf"|{_URL}?[?&][\w.-]*=(?=[\s)\"'>]|$)", re.MULTILINE)
# "?ref={tracking_number}&lang={language}": a link template a developer asks about names references, not the
# mail's personal data; a placeholder made only of these words does not carry anything out
_REFERENCE_WORDS = frozenset("""tracking track order ref reference lang language locale page country currency id
    number no code sku date utm source medium campaign version""".split())
_PLACEHOLDER = re.compile(r"\{+([^}\n]*)\}+|\[([A-Za-z][A-Za-z _]+)\]|%%?([A-Za-z][A-Za-z_]+)%%?|\$([A-Za-z][A-Za-z_]+)"
                          r"|<([a-z][a-z' ]+)>")
_URL_REST = re.compile(r"(?:\{[^}\n]*\}|\[[^\]\n]*\]|[^\s)\"'>])*")  # the URL after a placeholder


def _whole_url(text: str, match: re.Match[str]) -> str:
    rest = _URL_REST.match(text, match.end())  # matches the empty string at least
    return text[match.start() : rest.end() if rest else match.end()]


def _only_references(url: str) -> bool:
    """The URL's placeholders all name references, such as an order or a language."""
    names = ["".join(groups) for groups in _PLACEHOLDER.findall(url)]
    words = [w for name in names for w in re.split(r"[\s_.-]+", name.lower()) if w]
    return bool(names) and all(w in _REFERENCE_WORDS for w in words)


EMBED_IN_REPLY = re.compile(
    r"\b(?:include|add|embed|render|show|output|append|put|keep|finish|end|reply with|answer with)\b[^\n]{0,80}"
    r"(?:\b(?:image|pixel|badge|link|url|markdown)\b|!\[|<img\b)", _I)
DATA_INTO_URL = re.compile(
    r"\b(?:append|add|put|fill|insert|encode)\w*\b[^\n.]{0,60}\b(?:to|into|in|with)\b[^\n.]{0,20}"
    r"\b(?:url|link|query|https?://)|\bURL-?encoded\b|\bfilled with the customer|\bfollowed by the base64\b", _I)
IMAGE_WITH_QUERY = re.compile(rf"!\[[^\]\n]*\]\({_URL}\?[^)\s]*=|<img\b[^>]*\bsrc\s*=\s*['\"]?{_URL}\?[^>]*=", _I)

# an approval the sender claims for someone on the recipient's side, for money or payment details
_AUTHORITY = (r"(?:CEO|CFO|COO|VP|vice president|(?:managing |finance |sales |regional )?director(?: of \w+)?"
              r"|head of \w+|(?:accounts payable |regional |account |sales |finance )?manager|management|board"
              r"|supervisor)")
YOUR_AUTHORITY = re.compile(rf"\byour (?:company's )?{_AUTHORITY}\b", _I)
ANY_AUTHORITY = re.compile(rf"\b{_AUTHORITY}\b", _I)
APPROVAL_WORD = re.compile(r"\b(?:approv\w*|authori[sz]\w*|signed off|sign-off|okayed|okay'd|sanction\w*|agreed|"
                           r"gave us|promised|pre-approved|(?:written )?authorisation|on file)\b", _I)
ACT_REQUEST = re.compile(
    r"(?:\b(?:please|kindly|just)\s+|(?:^|[.;:,]\s*))(?:apply|cancel|remove|reflect|update|cancel|issue|book|process|switch|pay"
    r"|credit|refund|waive|release|transfer|redirect|change|deduct|adjust|execute|close"
    r"|send the (?:outstanding|payment))\b",
    _I | re.MULTILINE)
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?]|\n|$)")
# a finance team's warning describes the claim ("fraudsters claim the director has approved it") to refuse it
FRAUD_WARNING = re.compile(
    r"\b(?:fraud\w*|scam\w*|phishing|fake|impersonat\w*|pretend\w*|beware|suspicious|(?:seems?|appears?) to come from"
    r"|claim(?:s|ing)? (?:that|to be)|(?:do not|never) approve)\b", _I)
MONEY_TARGET = re.compile(
    r"\b(?:discount|price|credit(?: note)?|refund|waiv\w*|fees?|bank (?:details|account)|IBAN|new account|payout|"
    r"payment|transfer|remittance|invoices?|upgrade|loyalty)\b", _I)
PAYMENT_REDIRECT = re.compile(
    r"\b(?:new|changed|updated|different)\s+(?:bank\s+)?(?:account|IBAN|bank details|remittance account)\b[^\n]{0,100}"
    r"\b(?:pay|send|transfer|redirect|release|execute|process)\b|\b(?:pay|send|transfer|redirect|switch)\b[^\n.]{0,60}"
    r"\b(?:to|into) (?:our|the|this) (?:new|changed|escrow) (?:bank )?account\b", _I)
URGENCY = re.compile(r"\b(?:urgent(?:ly)?|immediately|right away|today|before noon|asap|trust me|just (?:process|"
                     r"close|book|apply)|retroactively)\b", _I)
STAFF_ORIGIN = re.compile(
    r"\b(?:internal(?: note| memo| update| only)?|staff(?: note| remark| comment| only)?|supervisor|team lead|"
    r"back office|operations|helpdesk|duty manager|customer care lead|support staff|acme \w+ note)\b", _I)


def _approval_hits(text: str, skip_review: bool) -> list[tuple[str, float]]:
    """A sentence that claims an approval for money or payment details; on the recipient's side ("your CFO
    approved") it asks the reader to take the sender's word for a decision they cannot see."""
    # the whole text must hold the three parts before its sentences are read one by one
    if not (MONEY_TARGET.search(text) and APPROVAL_WORD.search(text) and ANY_AUTHORITY.search(text)):
        return []
    claims = [s for s in _SENTENCES.findall(text)
              if APPROVAL_WORD.search(s) and ANY_AUTHORITY.search(s) and not FRAUD_WARNING.search(s)]
    if not claims:
        return []
    hits = []
    if any(YOUR_AUTHORITY.search(claim) for claim in claims):
        hits.append(("claimed_approval", 0.35))
        if ACT_REQUEST.search(text):
            hits.append(("claimed_approval_with_request", 0.3))
    if skip_review or URGENCY.search(text):
        hits.append(("claimed_approval_with_pressure", 0.45))
    return hits


def mail_borne_hits(text: str) -> list[tuple[str, float]]:
    """(rule name, weight) for each mail-borne signal in the normalised text."""
    hits: list[tuple[str, float]] = []
    addressed = _MAY_ADDRESS_A_MACHINE.search(text) and ADDRESSED_INSTRUCTION.search(text)
    if addressed:
        hits.append(("instruction_to_assistant", 0.5))
    if _MAY_NAME_A_TOOL.search(text):
        if TOOL_CALL_SYNTAX.search(text):
            hits.append(("tool_call_syntax", 0.55))
        elif FUNCTION_SYNTAX.search(text):
            hits.append(("function_syntax", 0.3))
    record_change = RECORD_CHANGE.search(text)
    skip_review = SKIP_REVIEW.search(text)
    if record_change and (addressed or skip_review):
        hits.append(("record_change_instruction", 0.45))
    if skip_review:
        hits.append(("skip_review", 0.35))
    placeholder_urls = [_whole_url(text, m) for m in PLACEHOLDER_URL.finditer(text)]
    if any(not _only_references(url) for url in placeholder_urls):
        hits.append(("exfiltration_url", 0.6))
    elif placeholder_urls:
        hits.append(("reference_template_url", 0.2))
    if re.search(_URL, text) and EMBED_IN_REPLY.search(text):
        hits.append(("link_in_reply_instruction", 0.3))
    if DATA_INTO_URL.search(text):
        hits.append(("data_into_url", 0.45))
    if IMAGE_WITH_QUERY.search(text):
        hits.append(("image_url_with_query", 0.2))
    hits += _approval_hits(text, bool(skip_review))
    if PAYMENT_REDIRECT.search(text):
        hits.append(("payment_redirect", 0.4))
    if (addressed or skip_review) and STAFF_ORIGIN.search(text):
        hits.append(("staff_note_to_assistant", 0.35))
    return hits
