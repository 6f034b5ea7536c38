"""The history indexer in memory: an accepted mail and its run summary, in either order, become one history
record with the redacted text, the customer key and the run's facts; through FastStream's test broker with
in-memory staging and writer ports."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from pydantic import BaseModel

from services.tools.history_indexer.handlers import HistoryIndexerDeps, provide, register
from services.tools.history_indexer.records import StagedMail, StagedRun, history_record, staged_mail, staged_run
from services.tools.history_indexer.settings import HistoryIndexerSettings
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED
from tests.support.history_inputs import CUSTOMER, RecordingWriter, mail_of_customer, run_summary
from tests.support.in_memory_broker import unit_broker
from tests.support.runtime_inputs import accepted_mail


@dataclass
class InMemoryStaging:
    mails: dict[tuple[str, str], StagedMail] = field(default_factory=dict)
    runs: dict[tuple[str, str], StagedRun] = field(default_factory=dict)

    async def stage_mail(self, mail: StagedMail) -> StagedRun | None:
        self.mails[(mail.tenant, mail.mail_id)] = mail
        return self.runs.get((mail.tenant, mail.mail_id))

    async def stage_run(self, run: StagedRun) -> StagedMail | None:
        self.runs[(run.tenant, run.mail_id)] = run
        return self.mails.get((run.tenant, run.mail_id))


@dataclass
class IndexerUnderTest:
    broker: KafkaBroker
    writer: RecordingWriter


@pytest.fixture
async def indexer() -> AsyncIterator[IndexerUnderTest]:
    broker = unit_broker("history-indexer")
    register(broker, HistoryIndexerSettings())
    writer = RecordingWriter()
    provide(broker, HistoryIndexerDeps(staging=InMemoryStaging(), writer=writer, max_excerpt_chars=200))
    async with TestKafkaBroker(broker) as test_broker:
        yield IndexerUnderTest(test_broker, writer)


def test_the_staged_mail_keeps_redacted_text_without_spotlight_marks_and_the_senders_customer_key() -> None:
    mail = staged_mail(mail_of_customer(), max_excerpt_chars=40)
    assert mail.customer_key == CUSTOMER
    assert mail.subject == "Refund"
    assert mail.excerpt == ("Please refund order AC-558213. " * 2)[:40]
    assert "ˆ" not in mail.excerpt and "UNTRUSTED" not in mail.excerpt


def test_a_mail_without_address_keys_is_indexed_without_a_customer_key() -> None:
    assert staged_mail(accepted_mail(), max_excerpt_chars=40).customer_key is None


def test_the_record_joins_the_mails_text_with_the_runs_facts_and_outcome() -> None:
    record = history_record(staged_mail(mail_of_customer(), 200), staged_run(run_summary()))
    assert (record.tenant, record.mail_id, record.customer_key) == ("acme", "m-1", CUSTOMER)
    assert (record.intent, record.crm_action, record.outcome) == ("refund_request", "create_refund_case", "crm")
    assert record.trace_id == "a" * 32
    assert "tenant" not in record.properties()


def test_a_run_is_never_joined_with_another_tenants_mail() -> None:
    with pytest.raises(ValueError, match="joined with"):
        history_record(staged_mail(mail_of_customer(), 200), staged_run(run_summary(tenant="globex")))


@pytest.mark.parametrize("run_first", [False, True])
async def test_whichever_side_arrives_second_writes_the_record_once(indexer: IndexerUnderTest,
                                                                    run_first: bool) -> None:
    messages: list[tuple[str, BaseModel]] = [(MAIL_ACCEPTED, mail_of_customer()), (AGENT_RUNS, run_summary())]
    for topic, message in reversed(messages) if run_first else messages:
        await indexer.broker.publish(message.model_dump(mode="json"), topic, key=b"m-1")
    assert [(r.mail_id, r.customer_key, r.outcome) for r in indexer.writer.written] == [("m-1", CUSTOMER, "crm")]


async def test_a_mail_alone_is_only_staged(indexer: IndexerUnderTest) -> None:
    await indexer.broker.publish(mail_of_customer("m-2").model_dump(mode="json"), MAIL_ACCEPTED, key=b"m-2")
    assert indexer.writer.written == []
