"""The registry's writes: authorize, plan against the current state, append to the log, audit, and return
once the registry's own follower has folded the change in (so the next read sees it)."""

import asyncio
import logging
from collections.abc import Callable

from faststream.kafka import KafkaBroker
from opentelemetry import trace

from services.registry.changes import plan_bootstrap_labels, plan_promotion, plan_publish, plan_rollback
from services.registry.promotion_gate import require_passing_eval
from shared.audit import AuditChain
from shared.contracts.eval_run import EvalRunRecord
from shared.contracts.registry import Label, PublishedVersion, RegistryEvent
from shared.contracts.topics import AUDIT_LOG, REGISTRY_EVENTS, REGISTRY_PROMPTS
from shared.eval_runs import EvalRunStore
from shared.prompts.access import Principal, authorize_publish, authorize_release
from shared.prompts.artifact import PromptArtifact
from shared.prompts.library import PromptLibrary
from shared.prompts.registry_follower import RegistryFollower
from shared.tracing import attributes

logger = logging.getLogger(__name__)
tracer = trace.get_tracer("mailspine.registry")


class RegistryService:
    def __init__(self, broker: KafkaBroker, follower: RegistryFollower, store: EvalRunStore,
                 dataset_hash: Callable[[], str], *, service_name: str, write_timeout: float) -> None:
        self.broker = broker
        self.follower = follower
        self.store = store
        self.dataset_hash = dataset_hash
        self.write_timeout = write_timeout
        self.audit = AuditChain(service_name)
        self._lock = asyncio.Lock()  # one change at a time: each is planned against the state the last one left

    def _gate(self, name: str, version: str, candidate_hash: str, production_version: str | None,
              production_hash: str | None) -> EvalRunRecord:
        return require_passing_eval(self.store, self.dataset_hash, name=name, version=version,
                                    candidate_hash=candidate_hash, production_version=production_version,
                                    production_hash=production_hash)

    async def publish(self, principal: Principal, artifact: PromptArtifact) -> tuple[PublishedVersion, bool]:
        """Returns the published record and whether this call published it (False: identical, already there)."""
        with tracer.start_as_current_span("registry.publish") as span:
            span.set_attribute(attributes.PROMPT_NAME, artifact.name)
            span.set_attribute(attributes.PROMPT_VERSION, artifact.version)
            async with self._lock:
                state = self.follower.state
                current = state.prompts.get(artifact.name)
                authorize_publish(principal, artifact.name, current.owner() if current else None, artifact.owner)
                planned = plan_publish(state, artifact, principal.name)
                if planned is None:
                    return state.prompts[artifact.name].versions[artifact.version], False
                record, event = planned
                await self._append(event, record)
                return record, True

    async def promote(self, principal: Principal, *, name: str, version: str, label: Label,
                      percent: float | None, reason: str) -> RegistryEvent:
        with tracer.start_as_current_span("registry.promote") as span:
            span.set_attribute(attributes.PROMPT_NAME, name)
            span.set_attribute(attributes.PROMPT_VERSION, version)
            span.set_attribute(attributes.PROMPT_LABEL, label)
            async with self._lock:
                state = self.follower.state
                authorize_release(principal, name, state.get(name).owner(), "promote")
                event = plan_promotion(state, self._gate, name=name, version=version, label=label, percent=percent,
                                       actor=principal.name, reason=reason)
                await self._append(event)
                return event

    async def rollback(self, principal: Principal, *, name: str, label: Label, reason: str) -> RegistryEvent:
        with tracer.start_as_current_span("registry.rollback") as span:
            span.set_attribute(attributes.PROMPT_NAME, name)
            span.set_attribute(attributes.PROMPT_LABEL, label)
            async with self._lock:
                state = self.follower.state
                authorize_release(principal, name, state.get(name).owner(), "roll back", label)
                event = plan_rollback(state, name=name, label=label, actor=principal.name, reason=reason)
                await self._append(event)
                return event

    async def bootstrap(self, library: PromptLibrary, actor: str) -> list[str]:
        """Publish every artifact of a prompt the registry has never seen, and make its lowest version
        production. On a first start with an empty registry that is every prompt in prompts/."""
        bootstrapped = []
        async with self._lock:
            state = self.follower.state
            for name in library.names():
                if name in state.names():
                    continue
                for artifact in library.versions(name):
                    planned = plan_publish(state, artifact, actor)
                    if planned is not None:
                        await self._append(planned[1], planned[0])
                await self._append(plan_bootstrap_labels(state, name))
                bootstrapped.append(name)
        return bootstrapped

    async def _append(self, event: RegistryEvent, record: PublishedVersion | None = None) -> None:
        """The version first (so a reader never sees an event about an artifact it cannot load), then the
        event and its audit record; then wait for our follower to fold the event in."""
        written = []
        if record is not None:
            written.append(await self.broker.publish(record.model_dump(mode="json"), REGISTRY_PROMPTS,
                                                     key=record.ref.encode()))
        metadata = await self.broker.publish(event.model_dump(mode="json"), REGISTRY_EVENTS, key=event.prompt.encode())
        audit = self.audit.record(f"registry.{event.kind}", mail_id=None, tenant=None, detail={
            "event_id": event.event_id, "principal": event.actor, "prompt": event.prompt, "version": event.version,
            "content_hash": event.content_hash, "label": event.label, "previous_version": event.previous_version,
            "canary_percent": event.canary_percent, "eval_run_id": event.eval_run_id, "reason": event.reason,
            "at": event.at.isoformat()})
        await self.broker.publish(audit.model_dump(mode="json"), AUDIT_LOG, key=self.audit.chain_id.encode())
        for done in [*written, metadata]:
            await self.follower.wait_applied(done.topic, done.partition, done.offset, self.write_timeout)
        logger.info("registry %s %s %s by %s: %s", event.kind, event.prompt, event.version or "-", event.actor,
                    event.reason)
