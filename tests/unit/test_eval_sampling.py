import math
from pathlib import Path

import pytest

from shared.eval_sampling import (
    SamplingDecision,
    SamplingPolicy,
    SamplingPolicyError,
    load_policy,
    uniform_draw,
)

POLICY = SamplingPolicy.model_validate({
    "default": 0.1,
    "prompts": {"extract-email": 0.3},
    "tenants": {"acme": {"default": 0.5, "prompts": {"extract-email": 0.05}}, "globex": {"default": 1.0}},
})
MAIL_IDS = [f"m-{i:06d}" for i in range(20_000)]


def binomial_tolerance(rate: float, n: int, sigmas: float = 4.0) -> float:
    """The stated tolerance: four standard deviations of a sampled share (a false failure about 1 in 16,000)."""
    return sigmas * math.sqrt(rate * (1 - rate) / n)


def test_the_most_specific_rate_wins() -> None:
    assert POLICY.rate("acme", "extract-email") == 0.05  # tenant + prompt
    assert POLICY.rate("globex", "extract-email") == 0.3  # prompt
    assert POLICY.rate("acme", "judge-extraction") == 0.5  # tenant default
    assert POLICY.rate("initech", "judge-extraction") == 0.1  # default


@pytest.mark.parametrize(("tenant", "prompt"), [("acme", "extract-email"), ("globex", "extract-email"),
                                                ("acme", "planner"), ("initech", "planner")])
def test_the_sampled_share_stays_within_four_standard_deviations_of_the_configured_rate(tenant: str,
                                                                                      prompt: str) -> None:
    rate = POLICY.rate(tenant, prompt)
    sampled = sum(POLICY.decide(mail_id, tenant).sampled_for(prompt) for mail_id in MAIL_IDS)
    assert abs(sampled / len(MAIL_IDS) - rate) <= binomial_tolerance(rate, len(MAIL_IDS)) + 1e-12


def test_a_decision_survives_the_headers_and_is_the_same_for_a_redelivered_mail() -> None:
    for mail_id in MAIL_IDS[:500]:
        decision = POLICY.decide(mail_id, "acme")
        carried = SamplingDecision.from_baggage(decision.to_baggage())
        for prompt in ("extract-email", "judge-extraction", "planner"):
            assert carried.sampled_for(prompt) == decision.sampled_for(prompt)
        assert POLICY.decide(mail_id, "acme") == decision


def test_rates_nest_because_one_draw_decides_every_prompt() -> None:
    for mail_id in MAIL_IDS[:2000]:
        decision = POLICY.decide(mail_id, "acme")
        if decision.sampled_for("extract-email"):  # 5%
            assert decision.sampled_for("planner")  # 50%


def test_no_baggage_means_not_sampled() -> None:
    assert not SamplingDecision.from_baggage(None).sampled_for("extract-email")
    assert not SamplingDecision.from_baggage("").sampled_for("extract-email")


def test_the_draw_is_uniform_on_the_unit_interval() -> None:
    draws = [uniform_draw(mail_id) for mail_id in MAIL_IDS]
    assert min(draws) >= 0.0 and max(draws) < 1.0
    assert abs(sum(draws) / len(draws) - 0.5) < 0.01


def test_the_shipped_policy_loads_and_a_bad_one_is_refused_clearly(tmp_path: Path) -> None:
    assert 0.0 <= load_policy().rate("acme", "extract-email") <= 1.0
    bad = tmp_path / "sampling.yaml"
    bad.write_text("default: 0.2\ntenants:\n  acme:\n    prompts: {extract-email: 1.5}\n")
    with pytest.raises(SamplingPolicyError, match="between 0 and 1"):
        load_policy(bad)
    with pytest.raises(SamplingPolicyError, match="no sampling policy"):
        load_policy(tmp_path / "missing.yaml")
