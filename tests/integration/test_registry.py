"""The registry process on the real Kafka and Redis: authentication and roles, the promotion gate, immutability,
the event and audit trail of every change, recovery of a wiped Redis view."""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra.topic_reader import read_records
from shared.contracts.topics import AUDIT_LOG, REGISTRY_EVENTS
from shared.eval_runs import EvalRunStore
from shared.golden import dataset_hash
from shared.prompts import PromptArtifact
from shared.settings import RedisSettings
from tests.support.registry_builders import eval_run
from tests.support.registry_harness import PrivateRegistry, derived_prompt, private_registry


@pytest.fixture(scope="module")
def registry(infrastructure: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRegistry]:
    with private_registry(tmp_path_factory.mktemp("registry"), "api") as running:
        yield running


def _publish(registry: PrivateRegistry, version: str, note: str, as_: str = "editor") -> PromptArtifact:
    artifact = derived_prompt(registry.prompt, version, note)
    response = registry.call("POST", "/v1/prompts", as_, artifact.model_dump(mode="json", by_alias=True))
    assert response.status_code in (200, 201), response.text
    return artifact


def _production(registry: PrivateRegistry) -> PromptArtifact:
    return derived_prompt(registry.prompt, "1.0.0")


def _labels(registry: PrivateRegistry) -> dict[str, Any]:
    labels: dict[str, Any] = registry.call("GET", f"/v1/prompts/{registry.prompt}").json()["labels"]
    return labels


def test_reads_need_a_token_and_a_reader_may_resolve(registry: PrivateRegistry) -> None:
    unauthenticated = registry.call("GET", "/v1/prompts", as_=None)
    assert unauthenticated.status_code == 401
    assert "no bearer token" in unauthenticated.json()["detail"]
    forged = httpx.get(f"{registry.url}/v1/prompts", headers={"Authorization": "Bearer msr_forged"}, timeout=10)
    assert forged.status_code == 401 and "unknown bearer token" in forged.json()["detail"]
    resolved = registry.call("GET", f"/v1/prompts/{registry.prompt}/resolve?label=production&routing_key=a@b.example")
    assert resolved.status_code == 200
    body = resolved.json()
    assert (body["version"], body["arm"], body["content_hash"]) == ("1.0.0", "stable",
                                                                    _production(registry).content_hash)


def test_the_gate_refuses_without_a_passing_run_against_current_production(registry: PrivateRegistry) -> None:
    candidate = _publish(registry, "1.1.0", " Answer briefly.")
    store = EvalRunStore(registry.eval_runs_dir)
    promote = {"version": "1.1.0", "label": "canary", "percent": 10, "reason": "offline eval passed"}
    path = f"/v1/prompts/{registry.prompt}/promote"

    refused = registry.call("POST", path, "rel.manager", promote)
    assert refused.status_code == 409
    assert f"`mailspine eval --candidate {registry.prompt}@1.1.0 --baseline production`" in refused.json()["detail"]

    store.save(eval_run(candidate, derived_prompt(registry.prompt, "0.9.0"), dataset_hash()))
    refused = registry.call("POST", path, "rel.manager", promote)
    assert refused.status_code == 409 and "not what is live now" in refused.json()["detail"]

    store.save(eval_run(candidate, _production(registry), dataset_hash(), verdict="fail"))
    refused = registry.call("POST", path, "rel.manager", promote)
    assert refused.status_code == 409 and "failed" in refused.json()["detail"]

    store.save(eval_run(candidate, _production(registry), dataset_hash()))
    accepted = registry.call("POST", path, "rel.manager", promote)
    assert accepted.status_code == 200, accepted.text
    assert _labels(registry)["canary"] == "1.1.0" and _labels(registry)["canary_percent"] == 10.0

    staged = registry.call("POST", path, "ana.kovacs", {"version": "1.1.0", "label": "staging", "reason": "try it"})
    assert staged.status_code == 200  # staging needs no eval
    gate = registry.call("GET", f"/v1/prompts/{registry.prompt}/versions/1.1.0/eval-runs").json()
    assert gate["gate"]["open"] and len(gate["runs"]) == 3


def test_roles_viewer_cannot_promote_owner_and_release_manager_can(registry: PrivateRegistry) -> None:
    candidate = _publish(registry, "1.2.0", " Answer very briefly.")
    EvalRunStore(registry.eval_runs_dir).save(eval_run(candidate, _production(registry), dataset_hash()))
    path = f"/v1/prompts/{registry.prompt}/promote"
    body = {"version": "1.2.0", "label": "production", "reason": "better on the golden set"}
    for who in ("viewer", "editor"):
        denied = registry.call("POST", path, who, body)
        assert denied.status_code == 403
        assert "only its owner (ana.kovacs) or a release manager may" in denied.json()["detail"]
    assert registry.call("POST", path, None, body).status_code == 401
    assert registry.call("POST", path, "ana.kovacs", body).status_code == 200
    assert _labels(registry)["production"] == "1.2.0"
    rollback = {"label": "production", "reason": "complaints about terse replies"}
    assert registry.call("POST", f"/v1/prompts/{registry.prompt}/rollback", "viewer", rollback).status_code == 403
    assert registry.call("POST", f"/v1/prompts/{registry.prompt}/rollback", "rel.manager", rollback).status_code == 200
    assert _labels(registry)["production"] == "1.0.0"


def test_publish_refuses_tampered_content_and_a_changed_published_version(registry: PrivateRegistry) -> None:
    artifact = derived_prompt(registry.prompt, "2.0.0", " New rules.")
    tampered = artifact.model_dump(mode="json", by_alias=True) | {"description": "Edited after it was sealed."}
    refused = registry.call("POST", "/v1/prompts", "editor", tampered)
    assert refused.status_code == 422 and "does not match its recorded hash" in refused.json()["detail"]
    again = derived_prompt(registry.prompt, "1.0.0", " Different content under a published version.")
    refused = registry.call("POST", "/v1/prompts", "editor", again.model_dump(mode="json", by_alias=True))
    assert refused.status_code == 409 and "immutable" in refused.json()["detail"]
    assert registry.call("POST", "/v1/prompts", "viewer", again.model_dump(mode="json", by_alias=True)
                         ).status_code == 403


def test_every_promote_and_rollback_is_a_registry_event_and_an_audit_event(registry: PrivateRegistry) -> None:
    candidate = _publish(registry, "1.3.0", " Mention the order id first.")
    EvalRunStore(registry.eval_runs_dir).save(eval_run(candidate, _production(registry), dataset_hash()))
    promoted = registry.call("POST", f"/v1/prompts/{registry.prompt}/promote", "ana.kovacs",
                             {"version": "1.3.0", "label": "canary", "percent": 5, "reason": "try on 5%"}).json()
    rolled = registry.call("POST", f"/v1/prompts/{registry.prompt}/rollback", "rel.manager",
                           {"label": "canary", "reason": "canary answers slower"}).json()
    wanted = {promoted["event_id"], rolled["event_id"]}

    events = asyncio.run(read_records(REGISTRY_EVENTS, timeout=30,
                                      until=lambda rs: wanted <= {r.get("event_id") for r in rs}))
    audits = asyncio.run(read_records(AUDIT_LOG, timeout=30,
                                      until=lambda rs: wanted <= {r.get("detail", {}).get("event_id") for r in rs}))
    by_id = {r["event_id"]: r for r in events if r.get("event_id") in wanted}
    audit_by_id = {r["detail"]["event_id"]: r for r in audits if r.get("detail", {}).get("event_id") in wanted}
    assert (by_id[promoted["event_id"]]["kind"], by_id[promoted["event_id"]]["actor"]) == ("promoted", "ana.kovacs")
    assert by_id[rolled["event_id"]]["reason"] == "canary answers slower"
    for event_id, event in by_id.items():
        audit = audit_by_id[event_id]
        assert audit["actor"] == "registry" and audit["action"] == f"registry.{event['kind']}"
        assert audit["detail"]["principal"] == event["actor"]  # who
        assert (audit["detail"]["prompt"], audit["detail"]["label"]) == (registry.prompt, "canary")  # what
        assert audit["detail"]["reason"] == event["reason"]  # why
        assert audit["detail"]["at"] and audit["at"]  # when


def test_a_wiped_redis_view_is_rebuilt_from_kafka_on_restart(registry: PrivateRegistry) -> None:
    before = registry.call("GET", f"/v1/prompts/{registry.prompt}").json()
    redis = RedisSettings.for_user("registry").sync_client()
    prefix = registry.env()["MAILSPINE_REGISTRY_REDIS_PREFIX"]
    wiped = list(redis.scan_iter(match=f"{prefix}:*"))
    assert wiped
    redis.delete(*wiped)
    assert registry.call("GET", f"/v1/prompts/{registry.prompt}").status_code == 404
    registry.stop()
    registry.start()
    after = registry.call("GET", f"/v1/prompts/{registry.prompt}").json()
    assert (after["labels"], after["versions"]) == (before["labels"], before["versions"])


def test_bootstrap_made_the_lowest_version_production_through_the_event_path(registry: PrivateRegistry) -> None:
    events = registry.call("GET", f"/v1/prompts/{registry.prompt}").json()["events"]
    bootstrap = [e for e in events if e["kind"] == "label_set"]
    assert bootstrap and bootstrap[0]["version"] == "1.0.0" and bootstrap[0]["actor"] == "registry-bootstrap"
    assert bootstrap[0]["reason"].startswith("bootstrap:")
