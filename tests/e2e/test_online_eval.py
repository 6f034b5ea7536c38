"""The online evaluator on the real stack: a sampled run is scored off the request path, each score and each
signal (CRM rejection, reviewer edit, thumbs-down) is joined to the run's trace id and prompt version, the
scores show in the run's trace in Jaeger, and a reviewer's edit becomes a golden-dataset candidate."""

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from cli.trace_story import JaegerQuery
from services.evaluator.golden.queue import GoldenCandidateQueue
from services.evaluator.settings import EvaluatorSettings
from shared.contracts.crm import CrmAck, CrmAckMessage, CrmWriteRequest
from shared.contracts.eval_score import (
    CRM_ACCEPTED,
    GROUNDED,
    JUDGE_ACCEPTABLE,
    REVIEW_UNEDITED,
    SCHEMA_VALID,
    THUMBS_UP,
)
from shared.contracts.extraction import Extraction
from shared.contracts.review import ReviewDecision, ReviewDecisionMessage
from shared.contracts.topics import CRM_ACKS, REVIEW_DECISIONS
from shared.settings import RedisSettings
from tests.support.eval_helpers import (
    feedback_token,
    golden_inbound,
    publish_as,
    run_of,
    score_of_origin,
    scores_of,
    send,
)
from tests.support.helpers import wait_for

pytestmark = pytest.mark.usefixtures("running_services")


@pytest.fixture(scope="module")
def scored_mail() -> tuple[str, dict]:
    """One globex mail (the tenant sampled at 100%) through the whole pipeline, and its run summary."""
    [mail] = golden_inbound("globex", 1)
    send([mail])
    return mail.mail_id, run_of(mail.mail_id)


def test_a_sampled_run_gets_checks_and_a_judge_score_keyed_to_its_trace_and_prompt_version(
        scored_mail: tuple[str, dict]) -> None:
    mail_id, run = scored_mail
    assert run["payload"]["sampled"] is True and run["payload"]["evidence"] is not None
    scores = scores_of(mail_id, {SCHEMA_VALID, GROUNDED, JUDGE_ACCEPTABLE})
    [prompt] = [p for p in run["payload"]["prompts"] if p["name"] == "extract-email"]
    for metric in (SCHEMA_VALID, GROUNDED, JUDGE_ACCEPTABLE):
        scored = scores[metric]["run"]
        assert (scored["trace_id"], scored["prompt"], scored["prompt_version"], scored["model"]) == (
            run["payload"]["trace_id"], prompt["name"], prompt["version"], run["payload"]["model"])
    judge = scores[JUDGE_ACCEPTABLE]
    assert judge["scorer"].startswith("judge-extraction@") and 1 <= judge["detail"]["score"] <= 5


def test_each_score_is_a_span_in_the_runs_trace(scored_mail: tuple[str, dict]) -> None:
    mail_id, run = scored_mail
    scores_of(mail_id, {JUDGE_ACCEPTABLE})
    jaeger, trace_id = JaegerQuery(), run["payload"]["trace_id"]

    def score_spans() -> list:
        try:
            return [s for s in jaeger.trace(trace_id) if s.name.startswith("eval.score ")]
        except (httpx.HTTPError, LookupError):
            return []

    def with_the_judge() -> list:
        # a run now has more scores than the extraction's (tool calls, the CRM's ack); wait for the judge's own span
        spans = score_spans()
        return spans if any(s.name == f"eval.score {JUDGE_ACCEPTABLE}" for s in spans) else []

    spans = wait_for(with_the_judge, 60)
    assert spans, f"no eval.score span in trace {trace_id}"
    judge = next(s for s in spans if s.name == f"eval.score {JUDGE_ACCEPTABLE}")
    assert judge.service == "evaluator" and judge.parent_span_id == run["payload"]["span_id"]
    assert judge.attributes["mailspine.eval.scorer"].startswith("judge-extraction@")
    # the judge's own model call is in the same trace, named like every other LLM span
    assert any(s.name.startswith("chat ") and s.service == "evaluator" for s in jaeger.trace(trace_id))


def _facts(run: dict) -> Extraction:
    return Extraction.model_validate(run["payload"]["evidence"]["facts"])


def test_a_crm_rejection_a_reviewer_edit_and_a_thumbs_down_are_joined_to_the_run(
        scored_mail: tuple[str, dict]) -> None:
    mail_id, run = scored_mail
    tenant, facts = run["tenant"], _facts(run)
    ack_key = uuid.uuid4().hex
    ack = CrmAckMessage(tenant=tenant, mail_id=mail_id, payload=CrmAck(
        idempotency_key=ack_key, action="log_interaction", accepted=False, reason="customer not found"))
    publish_as("crm", CRM_ACKS, ack.model_dump(mode="json"), mail_id)
    proposed = CrmWriteRequest(call_id="call-test", action="log_interaction", customer_address="<EMAIL_1>",
                               summary="test", facts=facts)
    corrected = facts.model_copy(update={"order_ids": [*facts.order_ids, "CORR-1"],
                                         "high_stakes": not facts.high_stakes})
    decision = ReviewDecisionMessage(tenant=tenant, mail_id=mail_id, payload=ReviewDecision(
        decision_id=uuid.uuid4().hex, reviewer="rita.reviewer", verdict="edit", proposed=proposed,
        corrected=corrected, decided_at=datetime.now(UTC)))
    publish_as("review-dashboard", REVIEW_DECISIONS, decision.model_dump(mode="json"), mail_id)
    answer = httpx.post(f"{EvaluatorSettings().url}/v1/feedback", timeout=10,
                        headers={"Authorization": f"Bearer {feedback_token()}"},
                        json={"mail_id": mail_id, "thumbs": "down", "comment": "wrong order number"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["trace_id"] == run["payload"]["trace_id"]

    scores = scores_of(mail_id, {CRM_ACCEPTED, REVIEW_UNEDITED, THUMBS_UP})
    # the CRM stand-in acknowledges the run's own write too: this test's rejection is the ack with its key
    scores[CRM_ACCEPTED] = score_of_origin(mail_id, CRM_ACCEPTED, f"ack:{ack_key}")
    assert scores[CRM_ACCEPTED]["passed"] is False and scores[CRM_ACCEPTED]["detail"]["reason"] == "customer not found"
    assert scores[REVIEW_UNEDITED]["passed"] is False
    assert set(scores[REVIEW_UNEDITED]["detail"]["corrected_fields"]) == {"order_ids", "high_stakes"}
    assert scores[THUMBS_UP]["passed"] is False and scores[THUMBS_UP]["detail"]["comment"] == "wrong order number"
    for score in scores.values():
        assert score["run"]["trace_id"] == run["payload"]["trace_id"]
        assert score["run"]["prompt_version"] == run["payload"]["prompts"][0]["version"]

    async def candidate_of_mail() -> list:
        redis = RedisSettings.for_user("evaluator").client()
        try:
            pending = await GoldenCandidateQueue(redis).list("pending", limit=1000)
            return [c for c in pending if c.mail_id == mail_id]
        finally:
            await redis.aclose()

    [candidate] = wait_for(lambda: asyncio.run(candidate_of_mail()), 30)
    assert {c.field for c in candidate.corrections} == {"order_ids", "high_stakes"}
    assert candidate.reviewer == "rita.reviewer" and candidate.trace_id == run["payload"]["trace_id"]


def test_feedback_is_refused_without_a_token_and_for_an_unknown_mail() -> None:
    url = f"{EvaluatorSettings().url}/v1/feedback"
    body = {"mail_id": "m-unknown", "thumbs": "up"}
    assert httpx.post(url, json=body, timeout=10).status_code == 401
    unknown = httpx.post(url, json=body, timeout=10, headers={"Authorization": f"Bearer {feedback_token()}"})
    assert unknown.status_code == 404 and "no run is known" in unknown.json()["detail"]
    bad = httpx.post(url, json={"mail_id": "m-x", "thumbs": "sideways"}, timeout=10,
                     headers={"Authorization": f"Bearer {feedback_token()}"})
    assert bad.status_code == 422


def test_mailspine_quality_counts_the_tenants_scores(scored_mail: tuple[str, dict],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from cli.main import main

    mail_id, _ = scored_mail
    scores_of(mail_id, {JUDGE_ACCEPTABLE})
    main(["quality", "--tenant", "globex", "--window", "1h", "--baseline", "1h", "--json"])
    report = json.loads(capsys.readouterr().out)
    judge = next(f for f in report["findings"] if f["metric"] == JUDGE_ACCEPTABLE)
    assert judge["current"]["n"] >= 1 and report["worse"] in (True, False)
    assert report["headline"].startswith(("yes:", "no:"))


def test_a_signal_that_arrives_before_its_run_is_applied_when_the_run_comes() -> None:
    [mail] = golden_inbound("globex", 1)  # the mail id is known before the mail is sent
    ack_key = uuid.uuid4().hex
    ack = CrmAckMessage(tenant="globex", mail_id=mail.mail_id, payload=CrmAck(
        idempotency_key=ack_key, action="log_interaction", accepted=True))
    publish_as("crm", CRM_ACKS, ack.model_dump(mode="json"), mail.mail_id)
    send([mail])
    run = run_of(mail.mail_id)
    accepted = score_of_origin(mail.mail_id, CRM_ACCEPTED, f"ack:{ack_key}")
    assert accepted["passed"] is True and accepted["run"]["trace_id"] == run["payload"]["trace_id"]
