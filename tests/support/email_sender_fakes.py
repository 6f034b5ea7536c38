"""Fakes of the email sender's ports (vault, CRM directory, relay) for its unit tests."""

from dataclasses import dataclass, field
from email.message import EmailMessage

from shared.pii_vault import SENDER_ADDRESS_FIELD

MAIL_ID = "m-1"
SENDER = "dana@northwind.example"
COLLEAGUE = "billing@northwind.example"  # on Dana's CRM record
STRANGER = "attacker@evil.example"


@dataclass
class SealedValues:
    """A vault with one mail from Dana, whose text named her colleague, a stranger and herself."""

    values: dict[tuple[str, str], str] = field(default_factory=lambda: {
        (MAIL_ID, SENDER_ADDRESS_FIELD): SENDER,
        (MAIL_ID, "<EMAIL_1>"): SENDER,
        (MAIL_ID, "<EMAIL_2>"): COLLEAGUE,
        (MAIL_ID, "<EMAIL_3>"): STRANGER,
        (MAIL_ID, "<PERSON_1>"): "Dana Whitfield",
    })

    async def reveal(self, mail_id: str, placeholder: str) -> str | None:
        return self.values.get((mail_id, placeholder))


@dataclass
class CrmRecords:
    records: list[frozenset[str]] = field(default_factory=lambda: [frozenset({SENDER, COLLEAGUE})])
    asked: list[str] = field(default_factory=list)

    async def addresses_on_record(self, tenant: str, address: str) -> frozenset[str]:
        self.asked.append(address)
        return next((record for record in self.records if address in record), frozenset())


@dataclass
class RecordingRelay:
    sent: list[tuple[EmailMessage, list[str]]] = field(default_factory=list)

    async def send(self, message: EmailMessage, recipients: list[str]) -> None:
        self.sent.append((message, recipients))
