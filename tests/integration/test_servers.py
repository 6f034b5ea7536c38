"""The real servers as `mailspine up` configures them: topics, persistence, auth, trace ingestion."""

import asyncio
import time

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from cli.trace_story import JaegerQuery, Span
from infra.kafka_acls import ADMIN
from infra.redis_acls import OPERATOR
from shared.contracts.topics import all_topics
from shared.mail_history.connection import connect
from shared.settings import KafkaSettings, RedisSettings, TracingSettings, WeaviateSettings

pytestmark = pytest.mark.usefixtures("infrastructure")


async def _topic_configs(names: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(**KafkaSettings.for_principal(ADMIN).client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in names if name not in existing]
        assert not missing, f"topics missing: {missing}"
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names],
        )
        configs: dict[str, dict[str, str]] = {}
        for response in responses:
            for _err, _msg, _type, name, entries in response.resources:
                configs[name] = {entry[0]: entry[1] for entry in entries}
        return configs
    finally:
        await admin.close()


def test_every_topic_exists_with_its_retention_and_cleanup_policy() -> None:
    specs = all_topics()
    configs = asyncio.run(_topic_configs([spec.name for spec in specs]))
    assert configs["audit.log.v1"]["retention.ms"] == "-1"
    assert configs["registry.events.v1"]["retention.ms"] == "-1"
    assert configs["registry.prompts.v1"]["cleanup.policy"] == "compact"
    assert configs["mail.inbound.v1"]["max.message.bytes"] == str(KafkaSettings().max_message_bytes)
    assert configs["crm.writes.v1"]["cleanup.policy"] == "delete"


def test_redis_persists_with_append_only_file() -> None:
    client = RedisSettings.for_user(OPERATOR).sync_client()
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("bind")["bind"] == "127.0.0.1"


def test_weaviate_refuses_anonymous_access_and_has_the_mail_history_collection() -> None:
    settings = WeaviateSettings.load()
    anonymous = httpx.get(f"{settings.url}/v1/schema", timeout=5)
    assert anonymous.status_code == 401
    with connect(settings) as client:
        assert client.collections.exists(settings.mail_history_collection)
        config = client.collections.get(settings.mail_history_collection).config.get()
    assert {"mail_id", "customer_key", "subject", "excerpt"} <= {p.name for p in config.properties}
    assert config.multi_tenancy_config.enabled  # one Weaviate tenant per Mailspine tenant


def test_jaeger_ingests_otlp_and_serves_the_trace_through_api_v3() -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "integration-probe"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=TracingSettings().otlp_endpoint,
                                                                      insecure=True)))
    with provider.get_tracer("probe").start_as_current_span("probe-span") as span:
        span.set_attribute("mailspine.mail.id", "probe")
        trace_id = format(span.get_span_context().trace_id, "032x")
    provider.shutdown()
    jaeger = JaegerQuery()
    deadline = time.monotonic() + 15
    spans: list[Span] = []
    while not spans and time.monotonic() < deadline:
        spans = jaeger.trace(trace_id)
        time.sleep(0.3)
    assert [(s.service, s.name, s.attributes.get("mailspine.mail.id")) for s in spans] == [
        ("integration-probe", "probe-span", "probe"),
    ]
