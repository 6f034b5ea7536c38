"""Pure joins: an accepted mail and its run summary become one history record (redacted text, facts, outcome)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.mail import AcceptedMail
from shared.mail_history.schema import HistoryRecord
from shared.spotlight import unmark


class StagedMail(BaseModel):
    """What the index needs of an accepted mail, kept until its run summary arrives. Redacted text only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str
    mail_id: str
    thread_id: str
    customer_key: str | None
    subject: str
    excerpt: str
    received_at: datetime


class StagedRun(BaseModel):
    """What the index needs of a run summary: the facts and the outcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str
    mail_id: str
    trace_id: str
    outcome: str
    intent: str | None
    crm_action: str | None
    high_stakes: bool | None


def staged_mail(mail: AcceptedMail, max_excerpt_chars: int) -> StagedMail:
    body = mail.payload
    return StagedMail(tenant=mail.tenant, mail_id=mail.mail_id, thread_id=body.thread_id,
                      customer_key=body.address_keys.get(body.sender_address),
                      subject=unmark(body.subject), excerpt=unmark(body.body)[:max_excerpt_chars],
                      received_at=body.received_at)


def staged_run(run: AgentRunMessage) -> StagedRun:
    summary = run.payload
    return StagedRun(tenant=run.tenant, mail_id=run.mail_id, trace_id=summary.trace_id, outcome=summary.outcome,
                     intent=summary.intent, crm_action=summary.crm_action, high_stakes=summary.high_stakes)


def history_record(mail: StagedMail, run: StagedRun) -> HistoryRecord:
    if (mail.tenant, mail.mail_id) != (run.tenant, run.mail_id):
        raise ValueError(f"run of {run.tenant}/{run.mail_id} joined with mail {mail.tenant}/{mail.mail_id}")
    return HistoryRecord(tenant=mail.tenant, mail_id=mail.mail_id, thread_id=mail.thread_id,
                         customer_key=mail.customer_key, subject=mail.subject, excerpt=mail.excerpt,
                         intent=run.intent, crm_action=run.crm_action, outcome=run.outcome,
                         high_stakes=run.high_stakes, received_at=mail.received_at, trace_id=run.trace_id)
