"""The one order of a durable step: save the run's state, then publish what the step recorded for the audit log.
A crash between the two republishes the same links after the restart, never loses one."""

from services.runtime.run_deps import RunDeps
from services.runtime.run_state import RunState


async def persist(state: RunState, deps: RunDeps) -> None:
    await deps.store.save(state)
    if state.audit_outbox:
        await deps.outbound.audit(state.audit_outbox)
        state.audit_outbox.clear()
