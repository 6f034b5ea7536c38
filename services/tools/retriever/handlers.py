"""The retriever on the shared tool machinery (shared/tool_service): a SearchHistory call in, the tenant's best
matching history out, with the hits and the index version on the call's ``execute_tool`` span.

``register`` declares what the retriever consumes and publishes; ``provide`` hands it its dependencies."""

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

from faststream.kafka import KafkaBroker
from opentelemetry import trace
from weaviate.exceptions import WeaviateBaseError

from services.tools.retriever.settings import RetrieverSettings
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.tools.retriever import SearchHistory, SearchHistoryOutput
from shared.tool_service import ToolDefinition, ToolPublishers, ToolReply, ToolServiceDeps, provide_tool, register_tool

TOOL = "retriever"
HIT_MAIL_IDS = "mailspine.retriever.hit_mail_ids"
INDEX_VERSION = "mailspine.retriever.index_version"


class HistorySearcher(Protocol):
    """The mail history's reading side (``HistorySearch``); blocking, so it runs in a thread."""

    def search(self, tenant: str, arguments: SearchHistory) -> SearchHistoryOutput: ...


@dataclass(frozen=True)
class SearchHistoryHandler:
    searcher: HistorySearcher

    async def __call__(self, call: ToolCallMessage, arguments: SearchHistory) -> ToolReply:
        try:
            # the caller's tenant comes from the envelope, never from the arguments: no query crosses tenants
            output = await asyncio.to_thread(self.searcher.search, call.tenant, arguments)
        except WeaviateBaseError as exc:  # an outage was raised as RetryLater; this is a refusal or a bad query
            return ToolReply.failed(f"history search failed: {type(exc).__name__}: {str(exc)[:300]}")
        span = trace.get_current_span()
        span.set_attributes({HIT_MAIL_IDS: [hit.mail_id for hit in output.hits],
                             INDEX_VERSION: output.index_version})
        return ToolReply.ok(output)


def retriever_definition(settings: RetrieverSettings) -> ToolDefinition[SearchHistory]:
    return ToolDefinition(tool=TOOL, service_name=settings.service_name, arguments=SearchHistory,
                          consequential=False, consumer_group=settings.consumer_group,
                          description="Hybrid search (vector plus BM25) of the caller's tenant's mail history, "
                                      "by customer key and time; read only.")


def register(broker: KafkaBroker, settings: RetrieverSettings) -> ToolPublishers:
    return register_tool(broker, retriever_definition(settings))


def provide(broker: KafkaBroker, deps: ToolServiceDeps[Any]) -> None:
    provide_tool(broker, deps)
