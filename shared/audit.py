"""Builds hash-chained audit events. Each process keeps its own chain; a verifier replays the hashes."""

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

from shared.contracts.audit import AuditEvent

GENESIS = "0" * 64


def event_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditChain:
    def __init__(self, actor: str) -> None:
        self.actor = actor
        self.chain_id = f"{actor}-{uuid.uuid4().hex[:12]}"
        self.sequence = 0
        self.previous_hash = GENESIS

    @classmethod
    def resume(cls, actor: str, chain_id: str, sequence: int, previous_hash: str) -> "AuditChain":
        """A chain whose links were recorded elsewhere (an agent run's chain lives in the run's stored state)."""
        chain = cls(actor)
        chain.chain_id, chain.sequence, chain.previous_hash = chain_id, sequence, previous_hash
        return chain

    def record(self, action: str, *, mail_id: str | None, tenant: str | None, detail: dict[str, Any]) -> AuditEvent:
        context = trace.get_current_span().get_span_context()
        unsigned = AuditEvent(
            chain_id=self.chain_id,
            sequence=self.sequence + 1,
            actor=self.actor,
            action=action,
            mail_id=mail_id,
            tenant=tenant,
            trace_id=format(context.trace_id, "032x") if context.is_valid else None,
            detail=detail,
            at=datetime.now(UTC),
            previous_hash=self.previous_hash,
            hash="",
        )
        event = unsigned.model_copy(update={"hash": event_hash(unsigned.model_dump(mode="json", exclude={"hash"}))})
        self.sequence, self.previous_hash = event.sequence, event.hash
        return event

    def retract(self, event: AuditEvent) -> None:
        """Forget the last recorded link because publishing it failed: the next link takes its sequence, so the chain
        on the log has no gap (a later link would otherwise name a predecessor the log never received)."""
        if (event.sequence, event.hash) == (self.sequence, self.previous_hash):
            self.sequence, self.previous_hash = event.sequence - 1, event.previous_hash


def distinct_links(events: list[AuditEvent]) -> list[AuditEvent]:
    """The chain's links once each: a producer that republishes after a restart sends the very same link again."""
    return sorted({event.hash: event for event in events}.values(), key=lambda e: e.sequence)


def verify_chain(events: list[AuditEvent]) -> bool:
    """True when the events form one unbroken chain from its first link."""
    previous = GENESIS
    for expected_sequence, event in enumerate(sorted(events, key=lambda e: e.sequence), start=1):
        fields = event.model_dump(mode="json", exclude={"hash"})
        if event.sequence != expected_sequence or event.previous_hash != previous or event_hash(fields) != event.hash:
            return False
        previous = event.hash
    return True


def verify_links(events: list[AuditEvent]) -> bool:
    """For part of a chain (a process-wide chain holds other mails' links too): every link's hash is its own, and
    every link whose predecessor is present names that predecessor's hash."""
    by_sequence = {event.sequence: event for event in events}
    for event in events:
        if event_hash(event.model_dump(mode="json", exclude={"hash"})) != event.hash:
            return False
        previous = by_sequence.get(event.sequence - 1)
        if previous is not None and event.previous_hash != previous.hash:
            return False
    return True
