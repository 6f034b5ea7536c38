"""What a reviewer does to an item, each step audited on audit.log.v1 with who did it: claiming (and, as far as the
console can see, a claim that expired unused), releasing, revealing the mail's PII, and deciding. Only the
reviewer holding the claim may decide; the decision goes to review.decisions.v1, then the item leaves the queue."""

from typing import Any

from services.console.handlers import ConsolePublishers
from services.console.review.proposal import ReviewItem, Verdict, build_decision
from services.console.review.queue_store import Claim, ClaimRefused, ReviewQueue
from shared.audit import AuditChain
from shared.contracts.review import ReviewDecisionMessage

CLAIMED, CLAIM_EXPIRED, RELEASED = "console.review_claimed", "console.review_claim_expired", "console.review_released"
DECIDED, PII_REVEALED = "console.review_decided", "console.pii_revealed"


class ReviewDesk:
    def __init__(self, queue: ReviewQueue, publishers: ConsolePublishers, chain: AuditChain) -> None:
        self.queue, self.publishers, self.chain = queue, publishers, chain

    async def audit(self, action: str, item: ReviewItem, detail: dict[str, Any]) -> None:
        """One link of the console's chain, on the log before the caller goes on (a reveal is shown only once its
        audit event is written); a link the broker did not take is retracted, so the chain has no gap."""
        event = self.chain.record(action, mail_id=item.mail_id, tenant=item.tenant,
                                  detail={"request_id": item.request_id, **detail})
        try:
            await self.publishers.audit.publish(event.model_dump(mode="json"), key=event.chain_id.encode())
        except BaseException:
            self.chain.retract(event)
            raise

    async def claim(self, item: ReviewItem, reviewer: str) -> Claim:
        claim = await self.queue.claim(item.request_id, reviewer)
        if claim.expired is not None:
            await self.audit(CLAIM_EXPIRED, item, {"reviewer": claim.expired.reviewer,
                                                   "expired_at": claim.expired.until.isoformat(),
                                                   "noticed_by": reviewer})
        await self.audit(CLAIMED, item, {"reviewer": reviewer, "until": claim.until.isoformat(),
                                         "extended": claim.extended})
        return claim

    async def release(self, item: ReviewItem, reviewer: str) -> bool:
        released = await self.queue.release(item.request_id, reviewer)
        if released:
            await self.audit(RELEASED, item, {"reviewer": reviewer})
        return released

    async def revealed(self, item: ReviewItem, reviewer: str, placeholders: list[str]) -> None:
        """Who saw which of the mail's values (the placeholders' names, never the values)."""
        await self.audit(PII_REVEALED, item, {"reviewer": reviewer, "placeholders": sorted(placeholders)})

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
        await self.audit(DECIDED, item, {
            "reviewer": reviewer, "verdict": verdict, "decision_id": decision.payload.decision_id,
            "call_ids": [c.call_id for c in item.calls],
            "edits": {name: {"proposed": old, "edited": new} for name, (old, new) in edits.items()},
            "comment": decision.payload.comment})
        await self.queue.close(item, decision)
        return decision
