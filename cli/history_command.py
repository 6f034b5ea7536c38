"""`mailspine history reindex`: wipe the mail-history index and rebuild it from Kafka, with progress."""

import argparse
import asyncio
from typing import Any

from infra.migrations import drop_mail_history, migrate_mail_history
from infra.topic_reader import iterate_to_end
from infra.weaviate_access import HISTORY_INDEXER
from services.tools.history_indexer.rebuild import RebuildProgress, finished_runs, rebuild_history
from services.tools.history_indexer.settings import HistoryIndexerSettings
from services.tools.history_indexer.writer import HistoryWriter
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED
from shared.mail_history.connection import connect
from shared.mail_history.embeddings import Embedder
from shared.mail_history.schema import index_version
from shared.settings import WeaviateSettings


def _report(progress: RebuildProgress) -> None:
    print(f"  {MAIL_ACCEPTED}: {progress.mails_read} mails read, {progress.indexed} indexed", flush=True)


def reindex() -> RebuildProgress:
    """Drop the collection, create it again (schema and roles), then replay the topics from the beginning."""
    operator = WeaviateSettings.load()
    print(f"Rebuilding {operator.mail_history_collection} ({index_version()}) from Kafka", flush=True)
    drop_mail_history(operator)
    migrate_mail_history(operator)
    print("  collection wiped and created again", flush=True)
    progress = RebuildProgress()
    runs = asyncio.run(finished_runs(iterate_to_end(AGENT_RUNS), progress))
    print(f"  {AGENT_RUNS}: {progress.runs_read} run summaries read, {len(runs)} mails finished", flush=True)
    embedder = Embedder()
    # written with the indexer's own credential: the writer role is the only way into the index
    writer_settings = WeaviateSettings.for_user(HISTORY_INDEXER)
    with connect(writer_settings) as client:
        writer = HistoryWriter(client, writer_settings.mail_history_collection, embedder)
        asyncio.run(rebuild_history(runs, iterate_to_end(MAIL_ACCEPTED), writer,
                                    HistoryIndexerSettings().max_excerpt_chars, progress, _report))
    print(f"Done: {progress.indexed} mails indexed, {progress.unreadable} unreadable records skipped", flush=True)
    return progress


def cmd_history_reindex(_: argparse.Namespace) -> None:
    reindex()


def register(subparsers: Any) -> None:
    history = subparsers.add_parser("history", help="the searchable mail history (Weaviate) the retriever reads")
    history_commands = history.add_subparsers(dest="history_command", required=True, metavar="COMMAND")
    history_commands.add_parser("reindex", help="wipe the index and rebuild it from Kafka (agent.runs.v1 joined "
                                "with mail.accepted.v1), with progress").set_defaults(run=cmd_history_reindex)
