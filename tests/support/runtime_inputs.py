"""What the runtime's unit tests feed it: an accepted mail as the gateway would publish it, and the repository's
prompt artifact resolved as the registry would resolve it for production."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.contracts.mail import AcceptedMail, AcceptedMailBody, GuardrailSummary
from shared.prompts import PromptArtifact, PromptLibrary
from shared.spotlight import spotlight, spotlight_contract


def accepted_mail(mail_id: str = "m-1", *, body: str | None = None, flagged: bool = False) -> AcceptedMail:
    payload = AcceptedMailBody(
        message_id="<1@x>", thread_id="<1@x>", mailbox="support@acme.example",
        sender=spotlight("<PERSON_1> <EMAIL_1>"), sender_address="<EMAIL_1>",
        subject=spotlight("Refund"), body=body or spotlight("Please refund order AC-558213. " * 50),
        spotlight=spotlight_contract(), attachments=[],
        guardrail=GuardrailSummary(verdict="flag" if flagged else "pass", score=0.6 if flagged else 0.01,
                                   rule_hits=["ignore_instructions"] if flagged else []),
        requires_human_review=flagged, redacted_entities={"EMAIL_ADDRESS": 1, "PERSON": 1},
        received_at=datetime.now(UTC),
    )
    return AcceptedMail(tenant="acme", mail_id=mail_id, payload=payload)


@dataclass(frozen=True)
class ResolvedPrompt:
    artifact: PromptArtifact
    version: str
    content_hash: str
    label: str = "production"
    arm: str = "stable"
    stale: bool = False


class StaticPrompts:
    """The repository's artifact, as the registry would resolve it for production."""

    async def resolve(self, name: str, label: str = "production", routing_key: str | None = None,
                      variables: dict[str, Any] | None = None) -> ResolvedPrompt:
        artifact = PromptLibrary().get(name, "1.0.0")
        return ResolvedPrompt(artifact, artifact.version, artifact.content_hash or "")
