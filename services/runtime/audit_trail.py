"""A run's audit trail: every proposal, critic verdict, approval (who), execution and result becomes an
audit.log.v1 event of the run's own hash chain. Events are recorded into the run state first and published after
the state is saved, so a restarted runtime republishes the very same links (a verifier drops exact repeats) and
never forks the chain."""

from typing import Any

from services.runtime.run_state import RunState
from shared.audit import AuditChain

ACTOR = "runtime"


def audit(state: RunState, action: str, **detail: Any) -> None:
    cursor = state.audit
    chain = AuditChain.resume(ACTOR, cursor.chain_id, cursor.sequence, cursor.previous_hash)
    event = chain.record(action, mail_id=state.mail_id, tenant=state.mail.tenant, detail=detail)
    cursor.sequence, cursor.previous_hash = chain.sequence, chain.previous_hash
    state.audit_outbox.append(event)
