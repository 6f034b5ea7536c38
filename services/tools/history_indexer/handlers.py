"""Thin subscribers: accepted mail and run summaries in; once both sides of a mail are there, one history
object out (in Weaviate, not on Kafka).

``register`` declares what the indexer consumes (the AsyncAPI document is generated from it); ``provide``
hands the handlers their dependencies through the broker's context."""

import asyncio
from dataclasses import dataclass
from typing import Annotated, Protocol

from faststream import Context
from faststream.kafka import KafkaBroker
from opentelemetry import trace

from services.tools.history_indexer.records import StagedMail, StagedRun, history_record, staged_mail, staged_run
from services.tools.history_indexer.settings import HistoryIndexerSettings
from shared.broker import durable_subscriber
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.mail import AcceptedMail
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED
from shared.mail_history.schema import HistoryRecord
from shared.tracing import attributes

DEPS = "history_indexer_deps"


class Staging(Protocol):
    """Each side of the join until the other arrives (Redis in production, see ``JoinStaging``)."""

    async def stage_mail(self, mail: StagedMail) -> StagedRun | None: ...

    async def stage_run(self, run: StagedRun) -> StagedMail | None: ...


class RecordWriter(Protocol):
    """The mail history's writing side (``HistoryWriter``); blocking, so it runs in a thread."""

    def write(self, records: list[HistoryRecord]) -> int: ...


@dataclass(frozen=True)
class HistoryIndexerDeps:
    staging: Staging
    writer: RecordWriter
    max_excerpt_chars: int


def provide(broker: KafkaBroker, deps: HistoryIndexerDeps) -> None:
    broker.context.set_global(DEPS, deps)


async def _index(deps: HistoryIndexerDeps, mail: StagedMail | None, run: StagedRun | None) -> None:
    span = trace.get_current_span()
    if mail is None or run is None:
        span.set_attribute(attributes.OUTCOME, "staged")  # the other side writes it
        return
    await asyncio.to_thread(deps.writer.write, [history_record(mail, run)])
    span.set_attribute(attributes.OUTCOME, "indexed")


def register(broker: KafkaBroker, settings: HistoryIndexerSettings) -> None:
    @durable_subscriber(broker, MAIL_ACCEPTED, group_id=settings.mail_consumer_group)
    async def index_accepted_mail(message: AcceptedMail, deps: Annotated[HistoryIndexerDeps, Context(DEPS)]) -> None:
        """Keep the mail's redacted text until its run finishes (or index it now if the run came first)."""
        trace.get_current_span().set_attributes({attributes.MAIL_ID: message.mail_id,
                                                 attributes.TENANT: message.tenant})
        mail = staged_mail(message, deps.max_excerpt_chars)
        await _index(deps, mail, await deps.staging.stage_mail(mail))

    @durable_subscriber(broker, AGENT_RUNS, group_id=settings.runs_consumer_group)
    async def index_run_summary(message: AgentRunMessage, deps: Annotated[HistoryIndexerDeps, Context(DEPS)]) -> None:
        """A finished run: its facts and outcome complete the mail's history record."""
        trace.get_current_span().set_attributes({attributes.MAIL_ID: message.mail_id,
                                                 attributes.TENANT: message.tenant})
        run = staged_run(message)
        await _index(deps, await deps.staging.stage_run(run), run)
