"""Registry changes (promotions, rollbacks, canaries) copied into the quality store, so a drift report can
name the change that coincides with a drop."""

from services.evaluator.drift.aggregates import QualityStore
from services.evaluator.drift.detection import ChangeEvent
from shared.contracts.registry import RegistryEvent
from shared.prompts.registry_follower import RegistryFollower


def describe(event: RegistryEvent) -> str:
    """"extract-email production 1.0.0 → 1.0.1 by ana.kovacs: better dates"."""
    labels = event.labels_after
    if event.label == "canary" and labels.canary is None:
        change = f"canary {event.previous_version} removed"
    elif event.label == "canary":
        change = f"canary {event.version} at {labels.canary_percent:g}%"
    elif event.label is not None:
        change = f"{event.label} {event.previous_version or '(none)'} → {labels.version_of(event.label)}"
    else:
        change = event.version or ""
    return f"{event.prompt} {change} by {event.actor}: {event.reason[:120]}"


async def mirror_registry_changes(follower: RegistryFollower, store: QualityStore) -> None:
    """Copy every label change now, then each new one as the follower applies it (a copy is idempotent)."""

    async def copy(name: str) -> None:
        for event in follower.state.prompts[name].events:
            if event.kind != "version_published":
                await store.record_change(ChangeEvent(at=event.at, kind=event.kind, description=describe(event)),
                                          prompt=name, event_id=event.event_id)

    for name in follower.state.names():
        await copy(name)
    previous = follower.on_change

    async def on_change(name: str) -> None:
        if previous is not None:
            await previous(name)
        await copy(name)

    follower.on_change = on_change
