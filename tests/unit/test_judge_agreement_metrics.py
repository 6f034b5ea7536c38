"""Judge-agreement metrics: accuracy, catch rate and false alarms from verdicts on right and wrong extractions,
and the gate comparing a candidate judge with a baseline judge on the same extractions."""

import pytest

from offline_eval.judge_agreement import JUDGE_GUARDS, Candidate, Judged, matches_labels, summarize_judged
from offline_eval.metrics import compare
from shared.contracts.agent_run import RunEvidence
from shared.contracts.extraction import Extraction
from shared.golden import load_golden

EVIDENCE = RunEvidence(sender="s", subject="s", body="b", received_date="2026-11-20", reply=None, facts=None,
                       attempts=1)


def _judged(right: bool, score: int | None, variant: str = "production", split: str = "dev") -> Judged:
    candidate = Candidate(mail_id="g-0001", split=split, variant=variant, evidence=EVIDENCE, right=right)
    return Judged(candidate, score, 100, 10, 5.0)


def test_agreement_counts_acceptance_at_score_4_against_the_labels() -> None:
    items = ([_judged(True, 5)] * 3 + [_judged(True, 3)]  # one false alarm
             + [_judged(False, 2, "degraded")] * 5 + [_judged(False, 4, "degraded")])  # one miss
    metrics = summarize_judged(items, None)
    assert metrics["judge_accuracy"] == pytest.approx(0.8)
    assert metrics["judge_catch_rate"] == pytest.approx(5 / 6)
    assert metrics["judge_false_alarm_rate"] == pytest.approx(0.25)
    assert metrics["judge_accuracy.production"] == pytest.approx(0.75)
    assert metrics["extractions_wrong_share"] == pytest.approx(0.6)
    failing = {c.metric for c in compare(None, items, JUDGE_GUARDS) if c.below_floor}
    assert failing == {"judge_false_alarm_rate"}  # 0.25 is above the 0.20 ceiling; the rest pass


def test_a_judge_without_a_valid_verdict_counts_as_not_accepting_and_invalid() -> None:
    metrics = summarize_judged([_judged(True, None), _judged(True, 5)], None)
    assert metrics["judge_valid_rate"] == 0.5 and metrics["judge_false_alarm_rate"] == 0.5


def test_a_judge_that_accepts_everything_is_significantly_worse_than_one_that_catches() -> None:
    baseline = [_judged(True, 5)] * 20 + [_judged(False, 2)] * 20
    candidate = [_judged(True, 5)] * 20 + [_judged(False, 5)] * 20
    result = {c.metric: c for c in compare(baseline, candidate, JUDGE_GUARDS)}
    assert result["judge_catch_rate"].significantly_worse and result["judge_catch_rate"].candidate == 0.0
    assert result["judge_accuracy"].significantly_worse
    assert not result["judge_false_alarm_rate"].significantly_worse


def test_an_extraction_is_right_when_intent_action_and_stakes_match_the_labels() -> None:
    row = load_golden("dev")[0]
    labels = row.labels
    right = Extraction(intent=labels.intent, customer_name=None, company=None, order_ids=[], invoice_ids=[],
                       amounts=[], dates=[], requested_action=None, crm_action=labels.crm_action,
                       high_stakes=labels.high_stakes)
    assert matches_labels(right, labels)  # other fields are the judge's minor errors, not the truth's concern
    assert not matches_labels(right.model_copy(update={"high_stakes": not labels.high_stakes}), labels)
