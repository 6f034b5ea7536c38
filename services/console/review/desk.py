"""Deciding a review: only the reviewer holding the claim may; the decision goes to review.decisions.v1 and an
audit event with who decided what goes to audit.log.v1, then the item leaves the queue."""

from typing import Any

from services.console.handlers import ConsolePublishers
from services.console.review.proposal import ReviewItem, Verdict, build_decision
from services.console.review.queue_store import ClaimRefused, ReviewQueue
from shared.audit import AuditChain
from shared.contracts.review import ReviewDecisionMessage


class ReviewDesk:
    def __init__(self, queue: ReviewQueue, publishers: ConsolePublishers, chain: AuditChain) -> None:
        self.queue, self.publishers, self.chain = queue, publishers, chain

    async def decide(self, item: ReviewItem, reviewer: str, verdict: Verdict, edits: dict[str, tuple[Any, Any]],
                     comment: str | None) -> ReviewDecisionMessage:
        if await self.queue.decision_of(item.request_id) is not None:
            raise ClaimRefused("this item was decided already")
        holder = await self.queue.holder(item.request_id)
        if holder != reviewer:
            raise ClaimRefused(f"{holder} is working on this item" if holder else
                               "claim the item first (an unused claim expires)")
        decision = build_decision(item, reviewer, verdict, edits, comment)
        await self.publishers.decisions.publish(decision.model_dump(mode="json"), key=item.mail_id.encode())
        event = self.chain.record("console.review_decided", mail_id=item.mail_id, tenant=item.tenant, detail={
            "reviewer": reviewer, "verdict": verdict, "request_id": item.request_id,
            "decision_id": decision.payload.decision_id, "call_ids": [c.call_id for c in item.calls],
            "edits": {name: {"proposed": old, "edited": new} for name, (old, new) in edits.items()},
            "comment": decision.payload.comment})
        await self.publishers.audit.publish(event.model_dump(mode="json"), key=event.chain_id.encode())
        await self.queue.close(item, decision)
        return decision
