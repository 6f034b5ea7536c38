"""PromptClient: how a service asks the registry for a prompt by label, e.g. ``resolve("extract-email")``.

It follows the registry's Kafka topics directly (Kafka is the source of truth; the HTTP API is not needed to
bootstrap), so it keeps working when the registry process is down, and a promotion or rollback reaches it as
soon as its follower fetches the event (fetch wait 100 ms). Artifacts are verified against their recorded
hash as they are read; a mismatching record is refused and never served.

Staleness: the client is *stale* when it cannot confirm it is current, i.e. when the Kafka log has not
answered, or the registry's /healthz has not answered, for ``stale_after_seconds``. It then keeps serving
the last known versions, with ``stale=True``, a warning in the log and ``mailspine.prompt.stale=true`` on the
current span.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from opentelemetry import trace
from opentelemetry.trace import Span
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.contracts.registry import Label
from shared.errors import RetryLater
from shared.prompts.artifact import PromptArtifact
from shared.prompts.registry_follower import RegistryFollower
from shared.prompts.render import RenderedPrompt, render
from shared.settings import KafkaSettings
from shared.tracing import attributes

logger = logging.getLogger(__name__)


class PromptClientSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_PROMPTS_")

    registry_url: str = "http://127.0.0.1:8070"
    stale_after_seconds: float = Field(default=3.0, description="no answer from Kafka or the registry for this "
                                       "long marks resolutions stale")
    probe_interval_seconds: float = 1.0
    warn_every_seconds: float = Field(default=30.0, description="at most one stale warning per prompt this often")


@dataclass(frozen=True)
class ResolvedPrompt:
    name: str
    version: str
    content_hash: str
    label: Label
    arm: Literal["stable", "canary"]
    artifact: PromptArtifact
    rendered: RenderedPrompt | None
    stale: bool


def set_prompt_attributes(span: Span, resolved: ResolvedPrompt) -> None:
    """The prompt a span used: name, version, label, arm, and whether the client was stale."""
    span.set_attribute(attributes.PROMPT_NAME, resolved.name)
    span.set_attribute(attributes.PROMPT_VERSION, resolved.version)
    span.set_attribute(attributes.PROMPT_LABEL, resolved.label)
    span.set_attribute(attributes.PROMPT_ARM, resolved.arm)
    span.set_attribute(attributes.PROMPT_STALE, resolved.stale)


class _QuietProbe(logging.Filter):
    """httpx logs every request at INFO; a liveness probe once a second would drown the service's log."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(str(arg).startswith(self.url) for arg in (record.args or ()))


class PromptClient:
    """Start once per process (``await client.start()``), then ``await client.resolve(name, ...)``."""

    def __init__(self, kafka: KafkaSettings, settings: PromptClientSettings | None = None,
                 client_id: str = "prompt-client") -> None:
        self.settings = settings or PromptClientSettings()
        self.follower = RegistryFollower(kafka, client_id=client_id,
                                         probe_interval=self.settings.probe_interval_seconds)
        self.last_registry_ok = 0.0
        self._http: httpx.AsyncClient | None = None
        self._probe: asyncio.Task[None] | None = None
        self._warned: dict[str, float] = {}

    async def start(self) -> None:
        logging.getLogger("httpx").addFilter(_QuietProbe(f"{self.settings.registry_url}/healthz"))
        self._http = httpx.AsyncClient(base_url=self.settings.registry_url, timeout=1.0)
        await self.follower.start()
        await self._probe_registry()
        self._probe = asyncio.create_task(self._probe_loop(), name="prompt-client-registry-probe")

    async def stop(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
        await self.follower.stop()
        if self._http is not None:
            await self._http.aclose()

    @property
    def stale(self) -> bool:
        confirmed = min(self.follower.last_kafka_ok, self.last_registry_ok)
        return time.monotonic() - confirmed > self.settings.stale_after_seconds

    async def resolve(self, name: str, label: Label = "production", routing_key: str | None = None,
                      variables: dict[str, Any] | None = None) -> ResolvedPrompt:
        """The version ``label`` points at (for production, the routing key picks the canary arm, sticky).
        Raises RetryLater when this process has never seen the prompt (nothing to fall back on)."""
        try:
            resolution = self.follower.state.resolve(name, label, routing_key)
        except LookupError as exc:
            raise RetryLater(f"prompt {name} ({label}) is not known to this process yet: {exc}") from exc
        stale = self.stale
        resolved = ResolvedPrompt(
            name=name, version=resolution.version, content_hash=resolution.content_hash, label=label,
            arm=resolution.arm, artifact=resolution.artifact,
            rendered=render(resolution.artifact, variables) if variables is not None else None, stale=stale)
        set_prompt_attributes(trace.get_current_span(), resolved)
        if stale:
            self._warn_stale(resolved)
        return resolved

    def _warn_stale(self, resolved: ResolvedPrompt) -> None:
        now = time.monotonic()
        if now - self._warned.get(resolved.name, -1e9) >= self.settings.warn_every_seconds:
            self._warned[resolved.name] = now
            logger.warning("prompt registry unreachable (kafka answered %.0fs ago, registry %.0fs ago); serving "
                           "the last known %s@%s (%s)", now - self.follower.last_kafka_ok,
                           now - self.last_registry_ok, resolved.name, resolved.version, resolved.label)

    async def _probe_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.probe_interval_seconds)
            await self._probe_registry()

    async def _probe_registry(self) -> None:
        assert self._http is not None
        try:
            response = await self._http.get("/healthz")
            if response.status_code == 200:
                self.last_registry_ok = time.monotonic()
        except httpx.HTTPError as exc:
            logger.debug("registry /healthz did not answer: %r", exc)
