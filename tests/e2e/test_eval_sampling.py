"""Sampling on the real stack: the gateway decides once per mail, the decision rides in the Kafka headers, every
service downstream sees the same decision, the evaluator scores exactly the sampled runs, and the sampled
share stays within the stated tolerance of the configured rate."""

import math
from urllib.parse import unquote

import pytest

from shared.contracts.eval_score import SCHEMA_VALID
from shared.contracts.topics import AGENT_RUNS, EVAL_SCORES, MAIL_ACCEPTED, tool_requests
from shared.eval_sampling import BAGGAGE_KEY, SamplingDecision, load_policy
from tests.support.helpers import read_until, send_mails

pytestmark = pytest.mark.usefixtures("running_services")

MAILS = 200
PROMPT = "extract-email"


def decision_in(record: dict) -> SamplingDecision:
    entries = dict(item.split("=", 1) for item in record["_headers"].get("baggage", "").split(",") if "=" in item)
    return SamplingDecision.from_baggage(unquote(entries[BAGGAGE_KEY]) if BAGGAGE_KEY in entries else None)


def test_one_decision_per_mail_reaches_every_service_and_the_share_matches_the_rate() -> None:
    mails = send_mails(MAILS)  # tenant acme
    ids = {mail.mail_id for mail in mails}
    policy, rate = load_policy(), load_policy().rate("acme", PROMPT)

    def of_ours(records: list[dict]) -> dict[str, dict]:
        return {r["mail_id"]: r for r in records if r.get("mail_id") in ids}

    runs = of_ours(read_until(AGENT_RUNS, lambda rs: len(of_ours(rs)) == MAILS, 240))
    assert len(runs) == MAILS
    accepted = of_ours(read_until(MAIL_ACCEPTED, lambda rs: len(of_ours(rs)) == MAILS, 60))
    tool_calls = of_ours(read_until(tool_requests("crm_writer"), lambda rs: True, 10))
    for mail_id, run in runs.items():
        expected = policy.decide(mail_id, "acme").sampled_for(PROMPT)
        assert decision_in(accepted[mail_id]).sampled_for(PROMPT) == expected  # decided at the gateway
        assert decision_in(run).sampled_for(PROMPT) == expected  # carried through the runtime
        assert run["payload"]["sampled"] == expected
        if mail_id in tool_calls:
            assert decision_in(tool_calls[mail_id]).sampled_for(PROMPT) == expected  # and on to the tools

    sampled = {mail_id for mail_id, run in runs.items() if run["payload"]["sampled"]}
    tolerance = 4 * math.sqrt(rate * (1 - rate) / MAILS)  # four standard deviations of a binomial share
    share = len(sampled) / MAILS
    print(f"sampled {len(sampled)} of {MAILS} = {share:.3f}; configured {rate}, tolerance ±{tolerance:.3f}")
    assert abs(share - rate) <= tolerance

    def scored(records: list[dict]) -> set[str]:
        return {r["mail_id"] for r in records if r.get("mail_id") in ids and r["payload"]["metric"] == SCHEMA_VALID}

    checked = scored(read_until(EVAL_SCORES, lambda rs: scored(rs) >= sampled, 120))
    assert checked == sampled  # the evaluator scored the sampled runs, and only them
