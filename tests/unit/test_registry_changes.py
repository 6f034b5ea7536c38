"""The registry's rules as pure functions: immutability, the promotion gate, rollback targets, the fold."""

from pathlib import Path

import pytest

from services.registry.changes import ChangeRefused, plan_bootstrap_labels, plan_promotion, plan_publish, plan_rollback
from services.registry.promotion_gate import GateRefused, require_passing_eval
from shared.contracts.eval_run import EvalRunRecord
from shared.contracts.registry import Label
from shared.eval_runs import EvalRunStore
from shared.prompts import ArtifactError, PromptArtifact
from shared.prompts.registry_state import PromptNotFound, RegistryState
from tests.support.registry_builders import artifact, eval_run

DATASET = "0123456789abcdef"


class Registry:
    """A RegistryState driven by the plans, as the service drives it through Kafka."""

    def __init__(self, store: EvalRunStore) -> None:
        self.state = RegistryState()
        self.store = store

    def gate(self, name: str, version: str, candidate: str, prod_version: str | None,
             prod: str | None) -> EvalRunRecord:
        return require_passing_eval(self.store, lambda: DATASET, name=name, version=version, candidate_hash=candidate,
                                    production_version=prod_version, production_hash=prod)

    def publish(self, item: PromptArtifact) -> None:
        planned = plan_publish(self.state, item, "editor")
        if planned:
            self.state.apply_published(planned[0])
            self.state.apply_event(planned[1])

    def promote(self, version: str, label: Label, percent: float | None = None, name: str = "extract-email") -> None:
        self.state.apply_event(plan_promotion(self.state, self.gate, name=name, version=version,
                                              label=label, percent=percent, actor="rel.manager", reason="numbers"))

    def rollback(self, label: Label) -> None:
        self.state.apply_event(plan_rollback(self.state, name="extract-email", label=label,
                                             actor="rel.manager", reason="bad replies"))


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry(EvalRunStore(tmp_path / "eval-runs"))
    registry.publish(artifact(version="1.0.0"))
    registry.state.apply_event(plan_bootstrap_labels(registry.state, "extract-email"))
    registry.publish(artifact(version="1.1.0", note=" Be brief."))
    return registry


V100, V110 = artifact(version="1.0.0"), artifact(version="1.1.0", note=" Be brief.")


def test_promotion_without_an_eval_run_is_refused_with_the_command_to_run(registry: Registry) -> None:
    with pytest.raises(GateRefused, match=r"run `mailspine eval --candidate extract-email@1\.1\.0 --baseline "
                                          r"production`"):
        registry.promote("1.1.0", "production")


def test_a_passing_run_of_exactly_this_hash_against_production_lets_it_through(registry: Registry) -> None:
    registry.store.save(eval_run(V110, V100, DATASET))
    registry.promote("1.1.0", "canary", percent=10)
    labels = registry.state.get("extract-email").labels
    assert (labels.production, labels.canary, labels.canary_percent) == ("1.0.0", "1.1.0", 10.0)
    registry.promote("1.1.0", "production")
    labels = registry.state.get("extract-email").labels
    assert (labels.production, labels.canary, labels.production_history) == ("1.1.0", None, ["1.0.0"])


def test_a_failed_run_is_refused(registry: Registry) -> None:
    registry.store.save(eval_run(V110, V100, DATASET, verdict="fail"))
    with pytest.raises(GateRefused, match="failed: intent_accuracy fell significantly"):
        registry.promote("1.1.0", "canary", percent=10)


def test_a_run_against_another_baseline_or_dataset_is_refused(registry: Registry) -> None:
    registry.store.save(eval_run(V110, artifact(version="0.9.0"), DATASET))
    registry.store.save(eval_run(V110, V100, "ffffffffffffffff"))
    with pytest.raises(GateRefused, match="which is not what is live now"):
        registry.promote("1.1.0", "production")


def test_staging_needs_no_eval_and_rollback_needs_no_eval(registry: Registry) -> None:
    registry.promote("1.1.0", "staging")
    assert registry.state.get("extract-email").labels.staging == "1.1.0"
    registry.store.save(eval_run(V110, V100, DATASET))
    registry.promote("1.1.0", "production")
    registry.rollback("production")  # no eval of 1.0.0 against 1.1.0 exists, and none is needed
    labels = registry.state.get("extract-email").labels
    assert (labels.production, labels.production_history, labels.staging) == ("1.0.0", [], "1.1.0")


def test_rollback_of_canary_removes_it_and_production_without_history_is_refused(registry: Registry) -> None:
    registry.store.save(eval_run(V110, V100, DATASET))
    registry.promote("1.1.0", "canary", percent=25)
    registry.rollback("canary")
    assert registry.state.get("extract-email").labels.canary is None
    with pytest.raises(ChangeRefused, match="no canary"):
        registry.rollback("canary")
    with pytest.raises(ChangeRefused, match="no earlier production version"):
        registry.rollback("production")


def test_promote_and_rollback_need_a_reason(registry: Registry) -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        plan_rollback(registry.state, name="extract-email", label="canary", actor="ana.kovacs", reason=" ")


def test_canary_needs_a_share_between_0_and_100(registry: Registry) -> None:
    registry.store.save(eval_run(V110, V100, DATASET))
    with pytest.raises(ValueError, match="--percent"):
        registry.promote("1.1.0", "canary", percent=None)
    with pytest.raises(PromptNotFound, match=r"no version 9.9.9"):
        registry.promote("9.9.9", "canary", percent=5)


def test_a_published_version_is_immutable(registry: Registry) -> None:
    assert plan_publish(registry.state, V110, "editor") is None  # the same content again: nothing to do
    different = artifact(version="1.1.0", note=" Be very brief.")
    with pytest.raises(ChangeRefused, match="already published with hash"):
        plan_publish(registry.state, different, "editor")


def test_content_that_no_longer_matches_its_recorded_hash_is_refused_by_publish_and_the_fold() -> None:
    tampered = V110.model_copy(update={"description": "Quietly changed after it was sealed."})
    with pytest.raises(ArtifactError, match="does not match its recorded hash"):
        plan_publish(RegistryState(), tampered, "editor")
    planned = plan_publish(RegistryState(), V110, "editor")
    assert planned is not None
    record, _ = planned
    forged = record.model_copy(update={"artifact": tampered.model_dump(mode="json", by_alias=True)})
    with pytest.raises(ArtifactError, match="does not match its recorded hash"):
        RegistryState().apply_published(forged)


def test_the_library_refuses_a_file_edited_after_sealing(tmp_path: Path) -> None:
    from shared.prompts.library import PromptLibrary, dump_yaml

    folder = tmp_path / "extract-email"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_text(dump_yaml(V100).replace("Extracts intent", "Extracts moods"))
    with pytest.raises(ArtifactError, match="does not match its recorded hash"):
        PromptLibrary(tmp_path)


def test_resolve_routes_the_canary_share_by_routing_key(registry: Registry) -> None:
    registry.store.save(eval_run(V110, V100, DATASET))
    registry.promote("1.1.0", "canary", percent=30)
    arms = [registry.state.resolve("extract-email", "production", f"t-{n}") for n in range(1000)]
    assert {r.version for r in arms if r.arm == "canary"} == {"1.1.0"}
    assert {r.version for r in arms if r.arm == "stable"} == {"1.0.0"}
    assert registry.state.resolve("extract-email", "canary").version == "1.1.0"
    assert registry.state.resolve("extract-email", "production", None).arm == "stable"
