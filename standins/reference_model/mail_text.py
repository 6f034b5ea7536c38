"""What the reference model reads from a request: the spotlighted sender, subject and body, the newest message
of a thread only, and the system prompt kept apart."""

import re
from dataclasses import dataclass

from shared.spotlight import BEGIN, DATAMARK, END

_BLOCK = re.compile(re.escape(BEGIN) + r"\n?(.*?)\n?" + re.escape(END), re.DOTALL)
_LABEL = re.compile(r"(?:^|\n)\s*([A-Za-z][A-Za-z ]{0,20}):\s*$")
_SENDER_ADDRESS = re.compile(r"\s*<+[^<>]*(?:@[^<>]*|EMAIL_\d+)>+\s*$")

# where a reply stops and the quoted history begins, in the languages of the data
_THREAD_CUTS = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in (
    r"^\s*>",
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|"
    r"oorspronkelijk bericht|mensagem original|ursprungligt meddelande|wiadomość oryginalna|původní zpráva|"
    r"forwarded message|weitergeleitete nachricht)\s*-{2,}",
    r"^\s*(on|am|le|el|il|op|em|den|w dniu|dne)\b.{0,200}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|"
    r"escreveu|skrev|napisał|napisała|napsal|napsala)\s*:?\s*$",
    r"^\s*(from|von|de|da|van|från|od)\s*:.*\n\s*(sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|"
    r"skickat|wysłano|odesláno|data)\s*:",
)]


@dataclass(frozen=True)
class MailText:
    system: str  # the instructions (system and developer messages), never the mail
    sender: str
    subject: str
    body: str  # the newest message of the thread only
    full_body: str

    @property
    def display_name(self) -> str:
        return _SENDER_ADDRESS.sub("", self.sender).strip().strip('"').strip()

    @property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}"


def unmark(text: str) -> str:
    return text.replace(DATAMARK, " ").replace("\u202f", " ")


def newest_message(body: str) -> str:
    cut = len(body)
    for pattern in _THREAD_CUTS:
        found = pattern.search(body)
        if found and found.start() < cut:
            cut = found.start()
    return body[:cut].rstrip() if body[:cut].strip() else body


def user_text(messages: list[dict[str, str]]) -> str:
    return "\n".join(m["content"] for m in messages if m["role"] == "user")


def labelled_blocks(user: str) -> dict[str, str]:
    """Each spotlight block's text (datamark undone), keyed by the lower-cased label before it ("from",
    "subject", "body", ...); an unlabelled block counts as the body. The first block of a label wins."""
    fields: dict[str, str] = {}
    for block in _BLOCK.finditer(user):
        label = _LABEL.findall(user[: block.start()][-60:])
        name = label[-1].strip().lower() if label else "body"
        fields.setdefault(name, unmark(block.group(1)))
    return fields


def read_request(messages: list[dict[str, str]]) -> MailText:
    """Split the conversation into instructions and the spotlighted mail fields, by the label before each block."""
    system = "\n".join(m["content"] for m in messages if m["role"] in ("system", "developer"))
    user = user_text(messages)
    fields = labelled_blocks(user)
    if not fields:
        fields["body"] = unmark(user)
    body = fields.get("body", "")
    return MailText(system=system, sender=fields.get("from", fields.get("sender", "")),
                    subject=fields.get("subject", ""), body=newest_message(body), full_body=body)
