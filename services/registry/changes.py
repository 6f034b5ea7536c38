"""Every registry change as a pure function of the current state: what to write, or why it is refused.

Nothing here touches Kafka or Redis, so the rules (immutability, the gate, rollback targets) are unit-tested.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from shared.contracts.eval_run import EvalRunRecord
from shared.contracts.registry import Label, LabelState, PublishedVersion, RegistryEvent
from shared.prompts.artifact import PromptArtifact
from shared.prompts.registry_state import PromptNotFound, PromptState, RegistryState

BOOTSTRAP_ACTOR = "registry-bootstrap"
# a gate over (name, version, candidate hash, production version, production hash) -> the passing run
Gate = Callable[[str, str, str, str | None, str | None], EvalRunRecord]


class ChangeRefused(Exception):
    """The change conflicts with the registry's state (HTTP 409); the message says what to do instead."""


def _now() -> datetime:
    return datetime.now(UTC)


def _event(state: PromptState, **fields: object) -> RegistryEvent:
    fields.setdefault("labels_after", state.labels)
    return RegistryEvent(event_id=uuid.uuid4().hex, at=_now(), **fields)


def _require_reason(reason: str, action: str) -> str:
    reason = reason.strip()
    if len(reason) < 3:
        raise ValueError(f"{action} needs a reason: say why, in a few words (--reason TEXT)")
    return reason


def plan_publish(state: RegistryState, artifact: PromptArtifact, actor: str,
                 ) -> tuple[PublishedVersion, RegistryEvent] | None:
    """The records that publish ``artifact``; None when this exact content is already published.
    Refuses an artifact that does not match its recorded hash, and different content under a known version."""
    artifact.verify()
    prompt = state.prompts.get(artifact.name) or PromptState(artifact.name)
    known = prompt.versions.get(artifact.version)
    if known is not None:
        if known.content_hash == artifact.content_hash:
            return None
        raise ChangeRefused(f"{artifact.ref} is already published with hash {known.content_hash}; a published "
                            "version is immutable, so publish the change as a new version")
    assert artifact.content_hash is not None
    record = PublishedVersion(name=artifact.name, version=artifact.version, content_hash=artifact.content_hash,
                              artifact=artifact.model_dump(mode="json", by_alias=True), published_by=actor,
                              published_at=_now())
    event = _event(prompt, kind="version_published", prompt=artifact.name, version=artifact.version,
                   content_hash=artifact.content_hash, actor=actor, reason=f"published: {artifact.changelog}")
    return record, event


def plan_promotion(state: RegistryState, gate: Gate, *, name: str, version: str, label: Label,
                   percent: float | None, actor: str, reason: str) -> RegistryEvent:
    reason = _require_reason(reason, "a promotion")
    prompt = state.get(name)
    if version not in prompt.versions:
        raise PromptNotFound(f"{name} has no version {version} (have: {', '.join(prompt.sorted_versions())}); "
                             "publish it first")
    labels = prompt.labels
    candidate_hash = prompt.versions[version].content_hash
    run_id = None
    if label in ("production", "canary"):
        if labels.production == version:
            raise ChangeRefused(f"{name}@{version} is already production")
        run_id = gate(name, version, candidate_hash, labels.production, prompt.hash_of(labels.production)).run_id
    if label == "production":
        history = [*labels.production_history, labels.production] if labels.production else []
        # a canary was gated against the old production; it stops when production changes
        after = labels.model_copy(update={"production": version, "production_history": history, "canary": None,
                                          "canary_percent": 0.0})
    elif label == "canary":
        if labels.production is None:
            raise ChangeRefused(f"{name} has no production version for a canary to run beside; promote to "
                                "production first")
        if percent is None or not 0 < percent < 100:
            raise ValueError("a canary needs --percent N with 0 < N < 100 (the share of routing keys it serves)")
        after = labels.model_copy(update={"canary": version, "canary_percent": float(percent)})
    else:
        after = labels.model_copy(update={"staging": version})
    return _event(prompt, kind="promoted", prompt=name, version=version, content_hash=candidate_hash, label=label,
                  previous_version=labels.version_of(label), canary_percent=after.canary_percent if
                  label == "canary" else None, eval_run_id=run_id, actor=actor, reason=reason, labels_after=after)


def plan_rollback(state: RegistryState, *, name: str, label: Label, actor: str, reason: str) -> RegistryEvent:
    """production returns to the previous production version (and any canary stops); canary is removed."""
    reason = _require_reason(reason, "a rollback")
    prompt = state.get(name)
    labels = prompt.labels
    if label == "production":
        if not labels.production_history:
            raise ChangeRefused(f"{name} has no earlier production version to roll back to "
                                f"(production is {labels.production}, and it was the first)")
        target = labels.production_history[-1]
        after = LabelState(production=target, staging=labels.staging, production_history=labels.production_history[:-1])
    elif label == "canary":
        if labels.canary is None:
            raise ChangeRefused(f"{name} has no canary to roll back")
        target = None
        after = labels.model_copy(update={"canary": None, "canary_percent": 0.0})
    else:
        raise ValueError("rollback applies to production or canary; to move staging, promote a version to it")
    return _event(prompt, kind="rolled_back", prompt=name, version=target, content_hash=prompt.hash_of(target),
                  label=label, previous_version=labels.version_of(label), actor=actor, reason=reason,
                  labels_after=after)


def plan_bootstrap_labels(state: RegistryState, name: str) -> RegistryEvent:
    """First sight of a prompt: its lowest version becomes production, without a gate (there is nothing live
    to compare against). Documented in the registry README."""
    prompt = state.get(name)
    lowest = prompt.sorted_versions()[0]
    after = prompt.labels.model_copy(update={"production": lowest})
    return _event(prompt, kind="label_set", prompt=name, version=lowest, content_hash=prompt.hash_of(lowest),
                  label="production", previous_version=None, actor=BOOTSTRAP_ACTOR,
                  reason=f"bootstrap: first start without {name} in the registry; its lowest version in prompts/ "
                         "becomes production", labels_after=after)

