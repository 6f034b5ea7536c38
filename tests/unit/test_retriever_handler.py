"""The retriever on the shared tool machinery, in memory: a SearchHistory call answered with the caller's
tenant's hits and the index version; bad input dead-lettered while it keeps serving; a refused search is a
FAILED result, not a crash."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.call_wrapper import KafkaHandlerCallWrapper
from weaviate.exceptions import WeaviateQueryError

from services.tools.retriever.handlers import SearchHistoryHandler, provide, register
from services.tools.retriever.settings import RetrieverSettings
from shared.contracts.tools.retriever import HistoryHit, SearchHistory, SearchHistoryOutput
from shared.contracts.topics import tool_requests
from shared.tool_service import InMemoryCallResults, ToolPublishers, ToolServiceDeps
from tests.support.in_memory_broker import answering_before_returning, read_dead_letters, unit_broker
from tests.support.tool_calls import tool_call

REQUESTS = tool_requests("retriever")
DANA = "cust_" + "d" * 24


@dataclass
class TenantHistory:
    """Each tenant's hits; records which tenant each search ran in."""

    searched: list[tuple[str, SearchHistory]] = field(default_factory=list)
    refuse: bool = False

    def search(self, tenant: str, arguments: SearchHistory) -> SearchHistoryOutput:
        self.searched.append((tenant, arguments))
        if self.refuse:
            raise WeaviateQueryError("rbac: forbidden: read_data on MailHistory", "GRPC")
        hit = HistoryHit(mail_id=f"m-{tenant}", thread_id=None, customer_key=arguments.customer_key,
                         subject="Blender arrived broken", excerpt="for <PERSON_1>", intent="refund_request",
                         outcome="crm", received_at=datetime(2026, 1, 1, tzinfo=UTC), score=0.8)
        return SearchHistoryOutput(hits=[hit], index_version="mail-history-test")


@dataclass
class RetrieverUnderTest:
    broker: KafkaBroker
    publishers: ToolPublishers
    history: TenantHistory
    dead_letters: KafkaHandlerCallWrapper[Any, Any]

    def answers(self) -> list[dict[str, Any]]:
        return [call.args[0]["payload"] for call in self.publishers.results.mock.call_args_list]


@pytest.fixture
async def retriever() -> AsyncIterator[RetrieverUnderTest]:
    broker = unit_broker("tool-retriever")
    publishers = register(broker, RetrieverSettings())
    dead_letters = read_dead_letters(broker, REQUESTS)
    history = TenantHistory()
    provide(broker, ToolServiceDeps(handler=SearchHistoryHandler(history), results=InMemoryCallResults(),
                                    rate_gate=None))
    async with TestKafkaBroker(broker) as test_broker:
        yield RetrieverUnderTest(answering_before_returning(test_broker, publishers.dispatch), publishers, history,
                                 dead_letters)


async def test_a_search_runs_in_the_callers_tenant_and_answers_with_hits_and_the_index_version(
        retriever: RetrieverUnderTest) -> None:
    call = tool_call("search_history", {"query": "broken blender refund", "customer_key": DANA}, tenant="globex",
                     approved=False)
    await retriever.broker.publish(call.model_dump(mode="json"), REQUESTS, key=b"m-1")

    assert [tenant for tenant, _ in retriever.history.searched] == ["globex"]
    [answer] = retriever.answers()
    assert answer["status"] == "ok"
    assert answer["output"]["index_version"] == "mail-history-test"
    assert [hit["mail_id"] for hit in answer["output"]["hits"]] == ["m-globex"]


async def test_bad_input_is_dead_lettered_and_the_retriever_keeps_serving(retriever: RetrieverUnderTest) -> None:
    for arguments in ({"customer_key": DANA},  # no query
                      {"query": "refund", "customer_key": "dana@example.com"},  # an address, not a key
                      {"query": "x" * 70_000}):  # oversize
        await retriever.broker.publish(tool_call("retriever", arguments, approved=False).model_dump(mode="json"),
                                       REQUESTS)
    await retriever.broker.publish(tool_call("retriever", {"query": "refund"}, call_id="call-ok",
                                             approved=False).model_dump(mode="json"), REQUESTS)

    letters = [call.args[0] for call in retriever.dead_letters.mock.call_args_list]
    assert [letter["error_type"] for letter in letters] == ["InvalidToolCall"] * 3
    assert "query: Field required" in letters[0]["error"]
    assert "customer_key: String should match pattern" in letters[1]["error"]
    assert "exceed this tool's limit" in letters[2]["error"]
    assert [answer["call_id"] for answer in retriever.answers()] == ["call-ok"]


async def test_a_search_the_index_refuses_is_a_failed_result(retriever: RetrieverUnderTest) -> None:
    retriever.history.refuse = True
    await retriever.broker.publish(tool_call("retriever", {"query": "refund"}, approved=False).model_dump(mode="json"),
                                   REQUESTS)
    [answer] = retriever.answers()
    assert answer["status"] == "failed" and "forbidden" in answer["reason"]
