from datetime import UTC, datetime, timedelta

from services.evaluator.canary.guard import canary_started_at
from services.evaluator.drift.aggregates import Dimensions
from services.evaluator.drift.registry_changes import describe
from shared.contracts.eval_score import ScoredRun
from shared.contracts.registry import LabelState, RegistryEvent
from shared.prompts.registry_state import PromptState

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def event(minutes: int, kind: str, label: str, version: str | None, labels: LabelState,
          previous: str | None = None) -> RegistryEvent:
    return RegistryEvent(event_id=f"e{minutes}", kind=kind, prompt="extract-email", version=version,
                         content_hash=None, label=label, previous_version=previous, actor="ana.kovacs",
                         reason="r", at=T0 + timedelta(minutes=minutes), labels_after=labels)


def test_the_canary_started_when_its_version_last_became_canary() -> None:
    prompt = PromptState("extract-email")
    prompt.events = [
        event(0, "label_set", "production", "1.0.0", LabelState(production="1.0.0")),
        event(5, "promoted", "canary", "1.0.1", LabelState(production="1.0.0", canary="1.0.1", canary_percent=10)),
        event(6, "promoted", "canary", "1.0.1", LabelState(production="1.0.0", canary="1.0.1", canary_percent=50)),
        event(9, "rolled_back", "canary", None, LabelState(production="1.0.0"), previous="1.0.1"),
        event(20, "promoted", "canary", "1.0.1", LabelState(production="1.0.0", canary="1.0.1", canary_percent=20)),
    ]
    prompt.labels = prompt.events[-1].labels_after
    # the scores of the first canary period (minutes 5-9) must not count for the second one
    assert canary_started_at(prompt) == T0 + timedelta(minutes=20)
    prompt.events = prompt.events[:2]
    assert canary_started_at(prompt) == T0 + timedelta(minutes=5)


def test_a_registry_change_is_described_for_a_person() -> None:
    promoted = event(1, "promoted", "production", "1.0.1", LabelState(production="1.0.1"), previous="1.0.0")
    assert describe(promoted) == "extract-email production 1.0.0 → 1.0.1 by ana.kovacs: r"
    canary = event(2, "promoted", "canary", "1.0.2", LabelState(production="1.0.1", canary="1.0.2", canary_percent=10))
    assert describe(canary) == "extract-email canary 1.0.2 at 10% by ana.kovacs: r"
    removed = event(3, "rolled_back", "canary", None, LabelState(production="1.0.1"), previous="1.0.2")
    assert describe(removed) == "extract-email canary 1.0.2 removed by ana.kovacs: r"


def test_aggregation_dimensions_round_trip_and_filter() -> None:
    run = ScoredRun(trace_id="t", span_id="s", prompt="extract-email", prompt_version="1.0.0", content_hash="h",
                    arm="canary", model="gpt/x:1", index_version=None, run_at=T0)
    dims = Dimensions.of("acme", run)
    assert Dimensions.parse(dims.key()) == dims and dims.index == "-"
    assert dims.matches({"tenant": "acme", "arm": "canary", "model": None})
    assert not dims.matches({"version": "1.0.1"})
