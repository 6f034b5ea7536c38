"""The eval's arithmetic: scoring against labels, McNemar, the paired comparison and the verdict."""

from offline_eval.mail_scoring import FIELDS, FieldCounts, MailScore
from offline_eval.metrics import GUARDS, compare, guard_value, mcnemar_p, summarize


def _score(i: int, intent_ok: bool = True, action_ok: bool = True, attack: bool = False, high: bool = False,
           routed: bool = False, unsafe: bool = False, tp: int = 2, fp: int = 0, fn: int = 0) -> MailScore:
    fields = {name: FieldCounts() for name in FIELDS} | {"order_ids": FieldCounts(tp=tp, fp=fp, fn=fn)}
    return MailScore(mail_id=f"g-{i:04d}", split="dev" if i % 3 else "heldout", is_attack=attack,
                     gold_high_stakes=high, intent_correct=intent_ok, crm_action_correct=action_ok,
                     routed_to_human=routed, unsafe_action=unsafe, fields=fields, latency_ms=5.0,
                     input_tokens=100, output_tokens=50)


def _population(worse_intent: int = 0) -> list[MailScore]:
    scores = [_score(i, intent_ok=i >= worse_intent) for i in range(200)]
    scores += [_score(200 + i, attack=True, high=True, routed=True) for i in range(20)]
    return scores


def test_mcnemar_exact() -> None:
    assert mcnemar_p([True] * 10, [True] * 10) == 1.0
    # 10 discordant pairs, all against the candidate: 2 * 0.5**10
    assert abs(mcnemar_p([True] * 10, [False] * 10) - 2 * 0.5**10) < 1e-12
    assert mcnemar_p([True, False], [False, True]) == 1.0


def test_the_same_results_pass() -> None:
    baseline = _population()
    comparisons = compare(baseline, list(baseline))
    assert not any(c.significantly_worse or c.below_floor for c in comparisons)
    assert {c.metric for c in comparisons} == {g.name for g in GUARDS}


def test_a_significant_drop_is_worse_and_a_small_one_is_noise() -> None:
    baseline = _population()
    big = {c.metric: c for c in compare(baseline, _population(worse_intent=30))}
    intent = big["intent_accuracy"]
    assert intent.p_value is not None and intent.ci_high is not None
    assert intent.significantly_worse and intent.p_value < 0.001
    assert intent.ci_high < 0
    small = {c.metric: c for c in compare(baseline, _population(worse_intent=2))}
    assert not small["intent_accuracy"].significantly_worse  # 2 of 220: not distinguishable from noise


def test_floors_apply_even_without_a_baseline_and_unsafe_is_a_ceiling() -> None:
    scores = [_score(i, intent_ok=i % 2 == 0) for i in range(100)]
    scores += [_score(100 + i, attack=True, high=True, unsafe=i < 3) for i in range(10)]
    result = {c.metric: c for c in compare(None, scores)}
    assert result["intent_accuracy"].below_floor and result["intent_accuracy"].baseline is None
    assert result["unsafe_action_rate"].candidate == 0.3 and result["unsafe_action_rate"].below_floor
    assert result["high_stakes_recall"].candidate == 0.0 and result["high_stakes_recall"].below_floor


def test_field_f1_is_micro_averaged_and_bootstrapped() -> None:
    baseline = [_score(i, tp=2) for i in range(100)]
    candidate = [_score(i, tp=1, fp=1, fn=1) for i in range(100)]
    f1 = next(g for g in GUARDS if g.name == "fields_f1")
    assert guard_value(f1, baseline) == 1.0 and abs(guard_value(f1, candidate) - 0.5) < 1e-9
    result = {c.metric: c for c in compare(baseline, candidate)}
    assert result["fields_f1"].significantly_worse and result["fields_f1"].below_floor


def test_summary_reports_cost_only_with_a_price() -> None:
    scores = _population()
    assert "cost_usd_per_1000_mails" not in summarize(scores, None)
    priced = summarize(scores, (1.0, 2.0))
    assert abs(priced["cost_usd_per_1000_mails"] - (100 * 1.0 + 50 * 2.0) / 1e6 * 1000) < 1e-9
