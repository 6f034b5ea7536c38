"""MIME parsing for the gateway: raw RFC 5322 bytes in, the headers, body text and attachment facts it checks out.

Pure logic, standard library only. Hostile structure (too big, too many parts, too deep, not a mail at all) is
refused with QuarantineMail before it costs more than the limits allow. Hostile or sloppy encodings are not
refused: they are repaired, counted in ``charset_repairs``, and parsing goes on.
"""

import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError, MissingHeaderBodySeparatorDefect
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import Policy
from email.utils import getaddresses
from typing import Any, cast

from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail
from shared.html_text import html_to_text

_BODY_TYPES = ("text/plain", "text/html")
_ASCII_LABELS = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "646"})
_MESSAGE_ID = re.compile(r"<[^<>]*>")
# exceptions hostile headers have raised from the stdlib header parser in past Python releases (none known in
# 3.11.7, fuzzed); a header that raises one is read raw rather than crashing the gateway
_HEADER_PARSER_BUGS = (HeaderParseError, IndexError, LookupError, TypeError, ValueError, AttributeError)


@dataclass(frozen=True)
class MimeLimits:
    """A mail over any of these is refused: they bound what one mail can cost the gateway to parse."""

    max_bytes: int = 10 * 1024 * 1024
    max_parts: int = 100
    max_depth: int = 10


@dataclass(frozen=True)
class AttachmentMeta:
    """What the gateway records of an attachment: metadata only, never the content."""

    filename: str | None
    content_type: str
    size: int  # bytes of the decoded payload
    sha256: str  # hex digest of the decoded payload


@dataclass(frozen=True)
class ParsedMail:
    sender: str  # the From header as text
    recipients: tuple[str, ...]  # lower-cased addresses from To and Cc, first occurrence order, no duplicates
    subject: str
    message_id: str
    thread_id: str  # the root of the thread: first id in References, else In-Reply-To, else message_id
    in_reply_to: str | None
    references: tuple[str, ...]
    body_text: str
    body_source: str  # "text/plain" | "text/html" | "none"
    hidden_html_text: str  # text that inline HTML parts hid from a human reader; "" if none
    attachments: tuple[AttachmentMeta, ...]
    part_count: int  # every MIME entity, the root and containers included
    max_depth_seen: int  # the root is depth 0; an attached message/rfc822 adds a level for its inner mail
    charset_repairs: int  # inline text parts whose declared charset could not decode them


@dataclass
class _Measure:
    """Parts and depth seen so far; refuses the mail the moment either passes its limit."""

    limits: MimeLimits
    parts: int = 1  # the root
    deepest: int = 0

    def admit(self, depth: int) -> None:
        self.parts += 1
        self.deepest = max(self.deepest, depth)
        if self.parts > self.limits.max_parts:
            raise QuarantineMail(QuarantineReason.TOO_MANY_PARTS,
                                 f"mail has at least {self.parts} MIME parts; the limit is {self.limits.max_parts}")
        if depth > self.limits.max_depth:
            raise QuarantineMail(QuarantineReason.TOO_DEEP, f"mail nests MIME parts at least {depth} levels deep; "
                                                            f"the limit is {self.limits.max_depth}")


class _MeasuredPart(EmailMessage):
    """An EmailMessage that charges each child to the mail's measure when the parser attaches it.

    The stdlib parser builds the whole tree before anyone can walk it, and a bomb spends its cost in there:
    seconds for a few MB of tiny parts, and each line costs more the deeper it is nested. The feed parser
    attaches every new part to its parent before it reads the part's content, so refusing in attach() stops
    the parse at the first part over a limit.
    """

    depth = 0
    measure: _Measure | None = None

    def attach(self, payload: Any) -> None:
        if self.measure is not None and isinstance(payload, _MeasuredPart):
            payload.depth = self.depth + 1
            self.measure.admit(payload.depth)
        super().attach(payload)


@dataclass(frozen=True)
class _Text:
    content_type: str  # text/plain or text/html
    text: str


@dataclass
class _Walk:
    measure: _Measure
    texts: dict[int, _Text] = field(default_factory=dict)  # id(part) -> decoded inline text, in walk order
    attachments: list[AttachmentMeta] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    charset_repairs: int = 0


def _parse(raw: bytes, limits: MimeLimits) -> EmailMessage:
    measure = _Measure(limits)

    def new_part(policy: Policy) -> _MeasuredPart:
        part = _MeasuredPart(policy)
        part.measure = measure
        return part

    try:
        # the parser calls _class(policy); typeshed declares it without arguments
        message = BytesParser(new_part, policy=email.policy.default).parsebytes(raw)  # type: ignore[arg-type]
    except RecursionError:  # only reachable when max_depth is set above what the parser's recursion can follow
        raise QuarantineMail(QuarantineReason.TOO_DEEP, "mail nests MIME parts deeper than the parser can follow; "
                                                        f"the limit is {limits.max_depth}") from None
    except _HEADER_PARSER_BUGS as exc:
        raise QuarantineMail(QuarantineReason.MIME_INVALID, f"the MIME structure cannot be parsed: {exc!r}") from None
    if not message.keys():
        raise QuarantineMail(QuarantineReason.MIME_INVALID, "no header block: not an RFC 5322 message")
    if any(isinstance(defect, MissingHeaderBodySeparatorDefect) for defect in message.defects):
        raise QuarantineMail(QuarantineReason.MIME_INVALID,
                             "a line in the header block is not a header and no empty line separates the body: "
                             "not an RFC 5322 message")
    if "From" not in message:
        raise QuarantineMail(QuarantineReason.MIME_INVALID, "no From header: not an RFC 5322 message")
    return message


def _safe_text(text: str) -> str:
    """Text that encodes as UTF-8: raw bytes the parser smuggled in as surrogates become characters or U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _header_values(message: Message, name: str) -> list[str]:
    """Every value of a header, as text. Never raises: the modern policy turns undecodable bytes into U+FFFD."""
    try:
        values = [str(value) for value in message.get_all(name, [])]
    except _HEADER_PARSER_BUGS:
        values = [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]
    return [_safe_text(value) for value in values]


def _header(message: Message, name: str) -> str:
    values = _header_values(message, name)
    return values[0].strip() if values else ""


def _message_ids(value: str) -> tuple[str, ...]:
    """The <ids> in a References or In-Reply-To value; sloppy mailers leave out the brackets, then we split."""
    return tuple(found.strip() for found in _MESSAGE_ID.findall(value)) or tuple(value.replace(",", " ").split())


def _recipients(message: Message) -> tuple[str, ...]:
    pairs = getaddresses(_header_values(message, "To") + _header_values(message, "Cc"))
    return tuple(dict.fromkeys(address.strip().lower() for _, address in pairs if address.strip()))


def _content_type(part: Message) -> str:
    content_type = part.get_content_type()
    # a multipart whose boundary is missing cannot be split; mail clients show its raw text, and so do we
    return "text/plain" if part.get_content_maintype() == "multipart" else content_type


def _is_inline_text(part: Message) -> bool:
    return (_content_type(part) in _BODY_TYPES and part.get_content_disposition() != "attachment"
            and part.get_filename() is None)


def _decode_text(payload: bytes, declared: str | None) -> tuple[str, bool]:
    """The part's text, and whether its declared charset failed and a fallback was needed."""
    try:
        return payload.decode(declared or "utf-8"), False
    except (LookupError, ValueError):  # a charset Python does not know, or bytes that are not in it
        pass
    try:
        return payload.decode("utf-8"), True  # the usual mislabel: UTF-8 sent as something else
    except UnicodeDecodeError:
        pass
    if declared is None or declared in _ASCII_LABELS:
        # 8-bit bytes under no label or an ASCII one are nearly always a Western single-byte charset
        return payload.decode("latin-1"), True
    return payload.decode("utf-8", errors="replace"), True


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)  # undoes base64 / quoted-printable, leniently
    return payload if isinstance(payload, bytes) else b""


def _visit(part: Message, depth: int, walk: _Walk) -> None:
    """Depth first over the tree, message/rfc822 included; every child is admitted before it is looked at."""
    if part.is_multipart():
        for child in _children(part):
            walk.measure.admit(depth + 1)
            _visit(child, depth + 1, walk)
        return
    payload = _payload_bytes(part)
    if not _is_inline_text(part):
        filename = part.get_filename()
        walk.attachments.append(AttachmentMeta(
            filename=None if filename is None else _safe_text(filename), content_type=part.get_content_type(),
            size=len(payload), sha256=hashlib.sha256(payload).hexdigest()))
        return
    text, repaired = _decode_text(payload, part.get_content_charset())
    walk.charset_repairs += repaired
    if _content_type(part) == "text/html":
        text, hidden = html_to_text(text)
        if hidden:
            walk.hidden.append(hidden)
    walk.texts[id(part)] = _Text(_content_type(part), text.replace("\r\n", "\n").replace("\r", "\n").strip())


def _body(part: Message, texts: dict[int, _Text]) -> _Text | None:
    """The body a reader sees: in multipart/alternative the plain part, elsewhere the first inline text part.

    An attached mail (message/*) is not this mail's body, so the choice does not descend into one."""
    if not part.is_multipart():
        return texts.get(id(part))
    if part.get_content_maintype() == "message":
        return None
    found = (body for child in _children(part) if (body := _body(child, texts)) is not None)
    if part.get_content_type() != "multipart/alternative":
        return next(found, None)
    alternatives = list(found)
    plain = [body for body in alternatives if body.content_type == "text/plain"]
    chosen = plain or alternatives
    return chosen[0] if chosen else None


def _children(part: Message) -> list[Message]:
    return cast(list[Message], part.get_payload())  # a multipart part's payload is its list of parts


def _fallback_body(texts: dict[int, _Text]) -> _Text | None:
    """When the structure names no body (say, only a forwarded mail has text): the first plain, else HTML part."""
    ordered = sorted(texts.values(), key=lambda body: body.content_type != "text/plain")
    return ordered[0] if ordered else None


def parse_mail(raw: bytes, limits: MimeLimits = MimeLimits()) -> ParsedMail:
    """The parsed mail, or QuarantineMail: OVERSIZE, MIME_INVALID, TOO_MANY_PARTS or TOO_DEEP."""
    if len(raw) > limits.max_bytes:
        raise QuarantineMail(QuarantineReason.OVERSIZE, f"mail is {len(raw)} bytes; the limit is {limits.max_bytes}")
    message = _parse(raw, limits)
    # the parser already enforced the limits; the walk measures again, on the tree it actually walks
    walk = _Walk(_Measure(limits))
    _visit(message, 0, walk)
    body = _body(message, walk.texts) or _fallback_body(walk.texts)

    message_id = _header(message, "Message-ID")
    references = _message_ids(" ".join(_header_values(message, "References")))
    in_reply_to = next(iter(_message_ids(_header(message, "In-Reply-To"))), None)
    return ParsedMail(
        sender=_header(message, "From"),
        recipients=_recipients(message),
        subject=_header(message, "Subject"),
        message_id=message_id,
        thread_id=references[0] if references else in_reply_to or message_id,
        in_reply_to=in_reply_to,
        references=references,
        body_text=body.text if body else "",
        body_source=body.content_type if body else "none",
        hidden_html_text="\n".join(walk.hidden),
        attachments=tuple(walk.attachments),
        part_count=walk.measure.parts,
        max_depth_seen=walk.measure.deepest,
        charset_repairs=walk.charset_repairs,
    )
