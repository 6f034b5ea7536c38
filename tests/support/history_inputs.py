"""What the history indexer's tests feed it: an accepted mail of a known customer, its run summary, and a
writer that records what it was asked to write."""

from dataclasses import dataclass, field

from shared.contracts.agent_run import AgentRun, AgentRunMessage
from shared.contracts.mail import AcceptedMail
from shared.mail_history.schema import HistoryRecord
from tests.support.runtime_inputs import accepted_mail

CUSTOMER = "cust_0123456789abcdef01234567"


def mail_of_customer(mail_id: str = "m-1") -> AcceptedMail:
    mail = accepted_mail(mail_id)
    payload = mail.payload.model_copy(update={"address_keys": {"<EMAIL_1>": CUSTOMER}})
    return mail.model_copy(update={"payload": payload})


def run_summary(mail_id: str = "m-1", tenant: str = "acme") -> AgentRunMessage:
    run = AgentRun(trace_id="a" * 32, prompts=[], model="reference", input_tokens=1, output_tokens=1,
                   latency_ms=1.0, outcome="crm", intent="refund_request", crm_action="create_refund_case",
                   high_stakes=False)
    return AgentRunMessage(tenant=tenant, mail_id=mail_id, payload=run)


@dataclass
class RecordingWriter:
    written: list[HistoryRecord] = field(default_factory=list)

    def write(self, records: list[HistoryRecord]) -> int:
        self.written.extend(records)
        return len(records)
