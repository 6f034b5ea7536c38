"""The rebuild's join without Kafka or Weaviate: the last run summary of each mail, joined with its accepted
mail; mails without a run and unreadable records are skipped; progress is reported per batch."""

from collections.abc import AsyncIterator

from services.tools.history_indexer.rebuild import RebuildProgress, finished_runs, rebuild_history
from shared.mail_history.schema import HistoryRecord
from tests.support.history_inputs import RecordingWriter, mail_of_customer, run_summary


async def values(*items: bytes) -> AsyncIterator[bytes]:
    for item in items:
        yield item


async def test_each_finished_mail_is_rebuilt_once_from_its_last_run() -> None:
    progress = RebuildProgress()
    first_run = run_summary("m-1")
    last_run = first_run.model_copy(update={"payload": first_run.payload.model_copy(update={"outcome": "no_action"})})
    runs = await finished_runs(values(first_run.model_dump_json().encode(), b"not a run",
                                      last_run.model_dump_json().encode()), progress)
    writer = RecordingWriter()
    reports: list[int] = []
    mails = values(mail_of_customer("m-1").model_dump_json().encode(),
                   mail_of_customer("m-unfinished").model_dump_json().encode(), b"{}")

    await rebuild_history(runs, mails, writer, 200, progress, lambda p: reports.append(p.indexed), batch_size=1)

    assert [(record.mail_id, record.outcome) for record in writer.written] == [("m-1", "no_action")]
    assert isinstance(writer.written[0], HistoryRecord)
    assert (progress.runs_read, progress.mails_read, progress.indexed, progress.unreadable) == (3, 3, 1, 2)
    assert reports == [1]
