"""Rebuilds the mail history from the topics (the system of record): every run summary, joined with its
accepted mail, written in batches. Used by `mailspine history reindex`; the same join and writer as the service."""

from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass

from pydantic import ValidationError

from services.tools.history_indexer.handlers import RecordWriter
from services.tools.history_indexer.records import StagedRun, history_record, staged_mail, staged_run
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.mail import AcceptedMail
from shared.mail_history.schema import HistoryRecord


@dataclass
class RebuildProgress:
    runs_read: int = 0
    mails_read: int = 0
    indexed: int = 0
    unreadable: int = 0  # records that match no contract (they were dead-lettered when first consumed)


async def finished_runs(values: AsyncIterable[bytes], progress: RebuildProgress) -> dict[tuple[str, str], StagedRun]:
    """The last run summary of each mail (a resumed or redelivered run replaces the earlier one)."""
    runs: dict[tuple[str, str], StagedRun] = {}
    async for value in values:
        progress.runs_read += 1
        try:
            run = staged_run(AgentRunMessage.model_validate_json(value))
        except ValidationError:
            progress.unreadable += 1
            continue
        runs[(run.tenant, run.mail_id)] = run
    return runs


async def rebuild_history(runs: dict[tuple[str, str], StagedRun], accepted_mail: AsyncIterable[bytes],
                          writer: RecordWriter, max_excerpt_chars: int, progress: RebuildProgress,
                          report: Callable[[RebuildProgress], None], batch_size: int = 64) -> RebuildProgress:
    batch: list[HistoryRecord] = []

    def flush() -> None:
        if batch:
            progress.indexed += writer.write(batch)
            batch.clear()
            report(progress)

    async for value in accepted_mail:
        progress.mails_read += 1
        try:
            mail = staged_mail(AcceptedMail.model_validate_json(value), max_excerpt_chars)
        except ValidationError:
            progress.unreadable += 1
            continue
        run = runs.get((mail.tenant, mail.mail_id))
        if run is not None:
            batch.append(history_record(mail, run))
        if len(batch) >= batch_size:
            flush()
    flush()
    return progress
