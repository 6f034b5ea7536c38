"""Implicit and explicit signals, each joined to its run: a CRM rejection, a reviewer's edit, a thumbs-down.
A reviewer's edit also becomes field-level corrections and a golden-dataset candidate."""

import logging
from dataclasses import dataclass
from typing import Protocol

from services.evaluator.golden.corrections import candidate_from, field_corrections
from services.evaluator.runs import IndexedRun
from services.evaluator.scoring.score_publisher import ScorePublisher
from shared.contracts.crm import CrmAckMessage
from shared.contracts.eval_score import CRM_ACCEPTED, REVIEW_UNEDITED, THUMBS_UP, EvalScore
from shared.contracts.golden_candidate import GoldenCandidate
from shared.contracts.review import ReviewDecisionMessage

logger = logging.getLogger("mailspine.evaluator.signals")


class GoldenCandidates(Protocol):
    """Where corrections wait for a person (``GoldenCandidateQueue``); False for one already queued."""

    async def add(self, candidate: GoldenCandidate) -> bool: ...


@dataclass(frozen=True)
class Feedback:
    mail_id: str
    principal: str
    thumbs_up: bool
    comment: str | None


@dataclass(frozen=True)
class SignalScorer:
    publisher: ScorePublisher
    candidates: GoldenCandidates

    async def crm_ack(self, ack: CrmAckMessage, indexed: IndexedRun) -> EvalScore:
        detail = {"action": str(ack.payload.action), "reason": ack.payload.reason}
        return await self.publisher.publish(indexed, source="crm_ack", metric=CRM_ACCEPTED,
                                            passed=ack.payload.accepted, scorer="crm",
                                            origin=f"ack:{ack.payload.idempotency_key}", detail=detail)

    async def review(self, decision: ReviewDecisionMessage, indexed: IndexedRun) -> EvalScore:
        payload = decision.payload
        # an agent-runtime decision names a tool call, not facts: the run's own facts are what it corrects
        source = payload.proposed.facts if payload.proposed is not None else None
        proposed = source or (indexed.evidence.facts if indexed.evidence is not None else None)
        corrections = (field_corrections(proposed, payload.corrected)
                       if proposed is not None and payload.corrected is not None else [])
        detail = {"verdict": payload.verdict, "corrected_fields": [c.field for c in corrections],
                  "comment": payload.comment}
        # an approval leaves the run's facts as they were; an edit or a rejection is a correction of the run
        score = await self.publisher.publish(indexed, source="review", metric=REVIEW_UNEDITED,
                                             passed=payload.verdict == "approve", scorer=f"reviewer:{payload.reviewer}",
                                             origin=f"review:{payload.decision_id}", detail=detail)
        if corrections and indexed.evidence is not None:
            candidate = candidate_from(decision, indexed.evidence, indexed.run)
            if candidate is not None and await self.candidates.add(candidate):
                logger.info("golden-dataset candidate %s from %s's correction of mail %s (%s)", candidate.candidate_id,
                            payload.reviewer, decision.mail_id, ", ".join(c.field for c in corrections))
        elif corrections:
            logger.warning("mail %s: %s corrected %d fields, but its run kept no text, so it cannot become a golden "
                           "candidate", decision.mail_id, payload.reviewer, len(corrections))
        return score

    async def feedback(self, feedback: Feedback, indexed: IndexedRun) -> EvalScore:
        return await self.publisher.publish(indexed, source="feedback", metric=THUMBS_UP, passed=feedback.thumbs_up,
                                            scorer=f"user:{feedback.principal}",
                                            origin=f"feedback:{feedback.principal}",
                                            detail={"comment": feedback.comment})
