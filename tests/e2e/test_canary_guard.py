"""A deliberately worse canary, served through the reference model to real traffic, is detected by the online
evaluator and rolled back automatically, with the evidence in the audit log."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cli.prompts_command import fetch_artifact
from offline_eval.prompt_variants import DEGRADED_CHANGELOG, drop_guides, variant
from services.registry.settings import RegistrySettings
from shared.bearer_tokens import TokenTable
from shared.contracts.topics import AUDIT_LOG
from shared.eval_runs import EvalRunStore
from shared.golden import dataset_hash
from tests.support.eval_helpers import golden_inbound, send
from tests.support.helpers import read_until, wait_for
from tests.support.registry_builders import eval_run

pytestmark = pytest.mark.usefixtures("running_services")

PROMPT = "extract-email"
MAILS = 160  # at a 50% canary, about 80 runs per arm: enough for the guard, whose minimum is 30 per arm


def registry(method: str, path: str, principal: str = "ana.kovacs", **kwargs: Any) -> Any:
    token = TokenTable(RegistrySettings().tokens_file).token_of(principal)
    response = httpx.request(method, f"{RegistrySettings().url}/v1{path}", timeout=30.0,
                             headers={"Authorization": f"Bearer {token}"}, **kwargs)
    response.raise_for_status()
    return response.json()


def next_patch_version() -> str:
    listed = registry("GET", f"/prompts/{PROMPT}")["versions"]
    versions = [tuple(int(p) for p in v["version"].split(".")) for v in listed]
    major, minor, patch = max(versions)
    return f"{major}.{minor}.{patch + 1}"


@pytest.fixture
def worse_canary() -> Iterator[str]:
    """A version without the intent guide and high-stakes rules at a 50% canary. Its offline-gate record is a
    fixture standing in for an eval that missed the problem (the situation the online guard exists for)."""
    production = fetch_artifact(PROMPT, label="production")
    worse = variant(production, next_patch_version(), DEGRADED_CHANGELOG, drop_guides)
    registry("POST", "/prompts", json=worse.model_dump(mode="json", by_alias=True, exclude_none=True))
    EvalRunStore().save(eval_run(worse, production, dataset_hash()))
    registry("POST", f"/prompts/{PROMPT}/promote", json={
        "version": worse.version, "label": "canary", "percent": 50, "reason": "canary of a shorter prompt"})
    yield worse.version
    if registry("GET", f"/prompts/{PROMPT}")["labels"]["canary"] is not None:  # the guard did not act
        registry("POST", f"/prompts/{PROMPT}/rollback", principal="rel.manager",
                 json={"label": "canary", "reason": "test cleanup: the canary guard did not roll back"})


def test_a_significantly_worse_canary_is_rolled_back_by_the_evaluator(worse_canary: str) -> None:
    production = registry("GET", f"/prompts/{PROMPT}")["labels"]["production"]
    send(golden_inbound("globex", MAILS))

    def rolled_back_by_the_guard() -> dict[str, Any] | None:
        state = registry("GET", f"/prompts/{PROMPT}")
        done = [e for e in state["events"] if e["kind"] == "rolled_back" and e["previous_version"] == worse_canary]
        return done[-1] if done and state["labels"]["canary"] is None else None

    event = wait_for(rolled_back_by_the_guard, timeout=240, interval=1.0)
    assert event, f"the canary {worse_canary} was not rolled back within 240 s"
    assert event["actor"] == "evaluator" and "significantly worse" in event["reason"]
    assert registry("GET", f"/prompts/{PROMPT}")["labels"]["production"] == production  # production untouched

    def guard_audit(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in records if r.get("action") == "evaluator.canary_rolled_back"
                and r.get("detail", {}).get("canary") == worse_canary]

    [audit] = guard_audit(read_until(AUDIT_LOG, lambda rs: bool(guard_audit(rs)), 60))
    detail = audit["detail"]
    assert detail["registry_event_id"] == event["event_id"] and detail["production"] == production
    assert "judge.acceptable" in detail["worse_metrics"]
    judged = detail["metrics"]["judge.acceptable"]
    assert judged["worse"] and judged["canary"]["rate"] < judged["production"]["rate"]
    assert judged["canary"]["scored"] >= 30 and judged["production"]["scored"] >= 30
    assert judged["interval"][1] < 0  # the whole always-valid interval of the difference is below zero
