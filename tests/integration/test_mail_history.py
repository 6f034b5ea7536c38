"""The mail history on the real Weaviate and Kafka: indexed with the indexer's credential, searched with the
retriever's read-only one, one Weaviate tenant per Mailspine tenant, and rebuilt from Kafka after a wipe."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import weaviate
from aiokafka import AIOKafkaProducer
from weaviate.classes.config import Configure, DataType, Property
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateBaseError

from cli.history_command import reindex
from infra.kafka_acls import ADMIN
from infra.migrations import drop_mail_history
from infra.weaviate_access import HISTORY_INDEXER, RETRIEVER
from services.tools.history_indexer.writer import HistoryWriter
from services.tools.retriever.search import HistorySearch
from shared.contracts.agent_run import AgentRun, AgentRunMessage
from shared.contracts.mail import AcceptedMail
from shared.contracts.tools.retriever import HistoryHit, SearchHistory
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED
from shared.mail_history.connection import connect
from shared.mail_history.embeddings import Embedder
from shared.mail_history.schema import HistoryRecord, weaviate_tenant
from shared.settings import KafkaSettings, WeaviateSettings
from shared.spotlight import spotlight
from tests.support.runtime_inputs import accepted_mail

pytestmark = pytest.mark.usefixtures("infrastructure")

DANA = "cust_" + "d" * 24
ERIK = "cust_" + "e" * 24
FIRST_MAIL = ("Blender arrived broken", "Hello, the blender from order AC-100231 arrived with a cracked jug. "
              "Please refund EUR 49.90 to my card. Regards, <PERSON_1>")
SECOND_MAIL = ("Still waiting for my refund", "I wrote last week about the cracked blender jug, order AC-100231. "
               "The refund has not arrived yet.")
OTHER_MAIL = ("New delivery address", "Please send future parcels to our new warehouse <LOCATION_1>.")
EMBEDDER = Embedder()


def record(tenant: str, mail_id: str, customer_key: str, text: tuple[str, str], days_ago: int) -> HistoryRecord:
    return HistoryRecord(tenant=tenant, mail_id=mail_id, thread_id=f"<{mail_id}@x>", customer_key=customer_key,
                         subject=text[0], excerpt=text[1], intent="refund_request", crm_action="create_refund_case",
                         outcome="crm", high_stakes=False, received_at=datetime.now(UTC) - timedelta(days=days_ago),
                         trace_id="0" * 32)


@pytest.fixture(scope="module")
def indexer_client() -> Iterator[weaviate.WeaviateClient]:
    with connect(WeaviateSettings.for_user(HISTORY_INDEXER)) as client:
        yield client


@pytest.fixture(scope="module")
def retriever_client() -> Iterator[weaviate.WeaviateClient]:
    with connect(WeaviateSettings.for_user(RETRIEVER)) as client:
        yield client


def writer(client: weaviate.WeaviateClient) -> HistoryWriter:
    return HistoryWriter(client, WeaviateSettings.load().mail_history_collection, EMBEDDER)


def searcher(client: weaviate.WeaviateClient) -> HistorySearch:
    return HistorySearch(client, WeaviateSettings.load().mail_history_collection, EMBEDDER)


def fresh_tenant(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_a_later_mail_of_a_customer_finds_the_first_and_nothing_crosses_tenants(
        indexer_client: weaviate.WeaviateClient, retriever_client: weaviate.WeaviateClient) -> None:
    acme, globex = fresh_tenant("acme"), fresh_tenant("globex")
    writer(indexer_client).write([
        record(acme, "m-first", DANA, FIRST_MAIL, days_ago=7),
        record(acme, "m-other", ERIK, OTHER_MAIL, days_ago=3),
        # the same customer key and words in another tenant: must never come back to acme
        record(globex, "m-globex", DANA, FIRST_MAIL, days_ago=7),
    ])
    search = searcher(retriever_client)
    query = f"{SECOND_MAIL[0]}\n{SECOND_MAIL[1]}"

    for_dana = search.search(acme, SearchHistory(query=query, customer_key=DANA))
    assert [hit.mail_id for hit in for_dana.hits] == ["m-first"]
    assert for_dana.hits[0].excerpt == FIRST_MAIL[1] and for_dana.hits[0].score > 0
    assert for_dana.index_version.startswith("mail-history-")

    unfiltered = search.search(acme, SearchHistory(query=query, limit=10))
    assert unfiltered.hits[0].mail_id == "m-first"
    assert {hit.mail_id for hit in unfiltered.hits} == {"m-first", "m-other"}  # never m-globex
    assert [hit.mail_id for hit in search.search(globex, SearchHistory(query=query, limit=10)).hits] == ["m-globex"]

    recent = search.search(acme, SearchHistory(query=query, since=datetime.now(UTC) - timedelta(days=5)))
    assert [hit.mail_id for hit in recent.hits] == ["m-other"]
    assert search.search(fresh_tenant("initech"), SearchHistory(query=query)).hits == []


def test_indexing_a_mail_again_replaces_its_object(indexer_client: weaviate.WeaviateClient,
                                                   retriever_client: weaviate.WeaviateClient) -> None:
    acme = fresh_tenant("acme")
    writer(indexer_client).write([record(acme, "m-first", DANA, FIRST_MAIL, days_ago=1)])
    writer(indexer_client).write([record(acme, "m-first", DANA, FIRST_MAIL, days_ago=1)])
    hits = searcher(retriever_client).search(acme, SearchHistory(query=FIRST_MAIL[1], limit=10)).hits
    assert [hit.mail_id for hit in hits] == ["m-first"]


def test_the_retrievers_credential_cannot_write_the_history_nor_read_another_collection(
        indexer_client: weaviate.WeaviateClient, retriever_client: weaviate.WeaviateClient) -> None:
    acme = fresh_tenant("acme")
    writer(indexer_client).write([record(acme, "m-first", DANA, FIRST_MAIL, days_ago=1)])  # the tenant exists
    history = retriever_client.collections.use(WeaviateSettings.load().mail_history_collection)
    with pytest.raises(UnexpectedStatusCodeError) as denied:
        history.with_tenant(weaviate_tenant(acme)).data.insert({"mail_id": "m-forged", "subject": "forged"},
                                                               vector=[0.0] * 384)
    assert denied.value.status_code == 403
    with pytest.raises(UnexpectedStatusCodeError) as denied_delete:
        retriever_client.collections.delete(WeaviateSettings.load().mail_history_collection)
    assert denied_delete.value.status_code == 403

    with connect(WeaviateSettings.load()) as operator:
        probe = f"AccessProbe{uuid.uuid4().hex[:8]}"
        operator.collections.create(probe, vector_config=Configure.Vectors.self_provided(),
                                    properties=[Property(name="note", data_type=DataType.TEXT)])
        try:
            operator.collections.use(probe).data.insert({"note": "not the retriever's"}, vector=[0.1] * 384)
            with pytest.raises(WeaviateBaseError, match=r"(?i)forbidden|permission"):
                retriever_client.collections.use(probe).query.fetch_objects(limit=1)
        finally:
            operator.collections.delete(probe)


async def _publish(records: list[tuple[str, AcceptedMail | AgentRunMessage]]) -> None:
    producer = AIOKafkaProducer(**KafkaSettings.for_principal(ADMIN).client_options())
    await producer.start()
    try:
        for topic, message in records:
            await producer.send_and_wait(topic, message.model_dump_json().encode(), key=message.mail_id.encode())
    finally:
        await producer.stop()


def finished_mail(tenant: str, mail_id: str, customer_key: str, text: tuple[str, str]
                  ) -> list[tuple[str, AcceptedMail | AgentRunMessage]]:
    mail = accepted_mail(mail_id)
    payload = mail.payload.model_copy(update={"subject": spotlight(text[0]), "body": spotlight(text[1]),
                                              "address_keys": {"<EMAIL_1>": customer_key}})
    run = AgentRun(trace_id=uuid.uuid4().hex, prompts=[], model="reference", input_tokens=1, output_tokens=1,
                   latency_ms=1.0, outcome="crm", intent="refund_request", crm_action="create_refund_case",
                   high_stakes=False)
    return [(MAIL_ACCEPTED, mail.model_copy(update={"tenant": tenant, "payload": payload})),
            (AGENT_RUNS, AgentRunMessage(tenant=tenant, mail_id=mail_id, payload=run))]


# a rebuild embeds every finished mail on the topics: in `make test` that is every mail the suite sent before it
@pytest.mark.timeout(1200)
def test_reindex_after_a_wipe_restores_the_same_search_results(retriever_client: weaviate.WeaviateClient) -> None:
    acme = fresh_tenant("acme")
    first, other = f"m-{uuid.uuid4().hex[:12]}", f"m-{uuid.uuid4().hex[:12]}"
    asyncio.run(_publish(finished_mail(acme, first, DANA, FIRST_MAIL) + finished_mail(acme, other, ERIK, OTHER_MAIL)))
    query = SearchHistory(query=f"{SECOND_MAIL[0]}\n{SECOND_MAIL[1]}", limit=10)

    progress = reindex()
    assert progress.indexed >= 2
    before = searcher(retriever_client).search(acme, query)
    assert [hit.mail_id for hit in before.hits] == [first, other]

    drop_mail_history()
    with pytest.raises(WeaviateBaseError):  # wiped: not even the collection is left
        searcher(retriever_client).search(acme, query)
    reindex()
    after = searcher(retriever_client).search(acme, query)
    # the live runtime also reads mail.accepted.v1 and may publish its own, newer run summary for these mails
    # between the two rebuilds; the newest summary rightly wins, so intent and outcome may differ, nothing else
    assert after.index_version == before.index_version
    assert [_from_the_mail(hit) for hit in after.hits] == [_from_the_mail(hit) for hit in before.hits]


def _from_the_mail(hit: HistoryHit) -> tuple[object, ...]:
    return hit.mail_id, hit.thread_id, hit.customer_key, hit.subject, hit.excerpt, hit.received_at, hit.score
