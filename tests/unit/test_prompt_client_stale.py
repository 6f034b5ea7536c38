"""What a client does with what it already knows: resolve, render, and say so on the span when it is stale."""

import asyncio
import logging
import time
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from services.registry.changes import plan_bootstrap_labels, plan_publish
from shared.errors import RetryLater
from shared.prompts.client import PromptClient, PromptClientSettings, ResolvedPrompt
from shared.settings import KafkaSettings
from tests.support.registry_builders import artifact


def _client_knowing_one_prompt() -> PromptClient:
    client = PromptClient(KafkaSettings(password=SecretStr("unused")), PromptClientSettings(stale_after_seconds=3))
    planned = plan_publish(client.follower.state, artifact(version="1.0.0"), "editor")
    assert planned is not None
    record, event = planned
    client.follower.state.apply_published(record)
    client.follower.state.apply_event(event)
    client.follower.state.apply_event(plan_bootstrap_labels(client.follower.state, "extract-email"))
    return client


def _resolve_in_a_span(client: PromptClient, **kwargs: Any) -> tuple[ResolvedPrompt, dict[str, object]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("test").start_as_current_span("agent.run"):
        resolved = asyncio.run(client.resolve("extract-email", **kwargs))
    return resolved, dict(exporter.get_finished_spans()[0].attributes or {})


def test_a_stale_client_serves_the_last_known_version_and_marks_span_and_log(
        caplog: pytest.LogCaptureFixture) -> None:
    client = _client_knowing_one_prompt()  # never heard from Kafka or the registry: stale
    with caplog.at_level(logging.WARNING):
        resolved, span = _resolve_in_a_span(client, routing_key="dana@northwind.example")
    assert resolved.stale and resolved.version == "1.0.0"
    assert span == {"mailspine.prompt.name": "extract-email", "mailspine.prompt.version": "1.0.0",
                    "mailspine.prompt.label": "production", "mailspine.prompt.arm": "stable",
                    "mailspine.prompt.stale": True}
    assert "prompt registry unreachable" in caplog.text


def test_a_current_client_is_not_stale_and_renders_variables() -> None:
    client = _client_knowing_one_prompt()
    client.follower.last_kafka_ok = client.last_registry_ok = time.monotonic()
    variables = {"begin_marker": "<<", "end_marker": ">>", "datamark": "^", "received_date": "2026-01-02",
                 "sender": "a", "subject": "b", "body": "c"}
    resolved, span = _resolve_in_a_span(client, variables=variables)
    assert not resolved.stale and span["mailspine.prompt.stale"] is False
    assert resolved.rendered is not None and "Received: 2026-01-02" in resolved.rendered.messages[1]["content"]


def test_an_unknown_prompt_is_retried_later() -> None:
    with pytest.raises(RetryLater, match="not known to this process"):
        asyncio.run(_client_knowing_one_prompt().resolve("plan-reply"))
