"""The Mailspine service processes: one OS process per service, started and stopped by PID file."""

import asyncio
import smtplib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from infra.kafka_acls import ADMIN
from infra.process import log_tail, read_pid, start_daemon, stop_daemon
from services.console.settings import ConsoleSettings
from services.evaluator.settings import EvaluatorSettings
from services.mail_ingest.settings import MailIngestSettings
from services.registry.settings import RegistrySettings
from shared.errors import InfraError
from shared.settings import REPO_ROOT, KafkaSettings, PathSettings
from shared.smtp_relay import SmtpRelaySettings
from standins.crm.settings import CrmStandinSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    consumer_group: str | None
    health_url: str | None = None  # a service without a consumer group is ready when this answers 200
    ready: Callable[[], str] | None = None  # or when this returns "Stable" (a service that speaks no HTTP)


def lmtp_ready(host: str, port: int) -> str:
    """"Stable" once the LMTP server greets and answers LHLO (it opens its port only after Kafka connected)."""
    try:
        with smtplib.LMTP(host, port, timeout=2.0) as client:
            code, _ = client.ehlo()  # smtplib's LMTP sends LHLO here
            return "Stable" if code == 250 else f"LHLO answered {code}"
    except (OSError, smtplib.SMTPException) as exc:
        return type(exc).__name__


def smtp_ready(host: str, port: int) -> str:
    """"Stable" once the SMTP server greets and answers EHLO."""
    try:
        with smtplib.SMTP(host, port, timeout=2.0) as client:
            code, _ = client.ehlo()
            return "Stable" if code == 250 else f"EHLO answered {code}"
    except (OSError, smtplib.SMTPException) as exc:
        return type(exc).__name__


SERVICES = (
    # the registry first: the runtime resolves its prompts from what the registry bootstrapped
    ServiceSpec("registry", "services.registry", None, health_url=f"{RegistrySettings().url}/healthz"),
    ServiceSpec("gateway", "services.gateway", "gateway"),
    ServiceSpec("runtime", "services.runtime", "runtime"),
    ServiceSpec("tool-crm-writer", "services.tools.crm_writer", "tool-crm-writer"),
    # the stand-in for the organisation's outbound relay: the email sender delivers here (SMTP AUTH required)
    ServiceSpec("smtp-relay", "standins.smtp_relay", None,
                ready=lambda: smtp_ready(SmtpRelaySettings().host, SmtpRelaySettings().port)),
    ServiceSpec("tool-email-sender", "services.tools.email_sender", "tool-email-sender"),
    # stands in for the customer's CRM: takes crm.writes.v1, answers on crm.acks.v1, serves a read API
    ServiceSpec("crm-standin", "standins.crm", "crm", health_url=f"{CrmStandinSettings().url}/healthz"),
    ServiceSpec("tool-history", "services.tools.history", "tool-history"),
    # ready when its mail consumer joined (it loads the embedding model before it subscribes)
    ServiceSpec("history-indexer", "services.tools.history_indexer", "history-indexer"),
    ServiceSpec("tool-retriever", "services.tools.retriever", "tool-retriever"),
    # the online evaluator: consumers and an HTTP API; healthy once its consumers have started
    ServiceSpec("evaluator", "services.evaluator", "evaluator", health_url=f"{EvaluatorSettings().url}/healthz"),
    # the console: web pages over the registry's and the evaluator's APIs, and the review queue's consumer group
    ServiceSpec("console", "services.console", "review-dashboard", health_url=f"{ConsoleSettings().url}/healthz"),
    # the LMTP ingest: mail servers deliver here; it publishes to mail.inbound.v1 and consumes nothing
    ServiceSpec("mail-ingest", "services.mail_ingest", None,
                ready=lambda: lmtp_ready(MailIngestSettings().host, MailIngestSettings().port)),
)


def _pid_file(paths: PathSettings, spec: ServiceSpec) -> Path:
    return paths.home / "run" / f"service-{spec.name}.pid"


def _log_file(paths: PathSettings, spec: ServiceSpec) -> Path:
    return paths.home / "log" / f"service-{spec.name}.log"


def start_services(paths: PathSettings | None = None, timeout: float = 180.0) -> dict[str, str]:
    """Start each service not already running, then wait until every consumer group is Stable (a loaded
    machine loads the gateway's language models slowly, hence the generous timeout)."""
    paths = paths or PathSettings()
    outcome = {}
    for spec in SERVICES:
        pid_file = _pid_file(paths, spec)
        if read_pid(pid_file) is not None:
            outcome[spec.name] = "already running"
            continue
        start_daemon(spec.name, [sys.executable, "-m", spec.module], pid_file=pid_file,
                     log_file=_log_file(paths, spec), cwd=REPO_ROOT)
        outcome[spec.name] = "started"
    wait_for_consumers(paths, timeout)
    return outcome


def stop_services(paths: PathSettings | None = None, names: set[str] | None = None) -> list[str]:
    """Stop the services (all, or only ``names``) by PID file; returns the ones that were running."""
    paths = paths or PathSettings()
    chosen = [spec for spec in SERVICES if names is None or spec.name in names]
    return [spec.name for spec in chosen if stop_daemon(_pid_file(paths, spec))]


def service_status(paths: PathSettings | None = None) -> dict[str, bool]:
    paths = paths or PathSettings()
    return {spec.name: read_pid(_pid_file(paths, spec)) is not None for spec in SERVICES}


def wait_for_consumers(paths: PathSettings, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for spec in SERVICES:
            if read_pid(_pid_file(paths, spec)) is None:
                log_file = _log_file(paths, spec)
                raise InfraError(f"service {spec.name} exited. Last lines of {log_file}:\n{log_tail(log_file)}")
        states = asyncio.run(_group_states([spec.consumer_group for spec in SERVICES if spec.consumer_group]))
        states |= {spec.name: _health(spec.health_url) for spec in SERVICES if spec.health_url}
        states |= {spec.name: spec.ready() for spec in SERVICES if spec.ready}
        if all(state == "Stable" for state in states.values()):
            return
        if time.monotonic() > deadline:
            raise InfraError(f"service consumers did not join their groups within {timeout:.0f}s: {states}")
        time.sleep(0.5)


def _health(url: str) -> str:
    try:
        return "Stable" if httpx.get(url, timeout=2.0).status_code == 200 else "unhealthy"
    except httpx.HTTPError as exc:
        return type(exc).__name__


async def _group_states(groups: list[str]) -> dict[str, str]:
    admin = AIOKafkaAdminClient(**KafkaSettings.for_principal(ADMIN).client_options(), request_timeout_ms=5000)
    await admin.start()
    states = {}
    try:
        for group in groups:
            try:
                described = await admin.describe_consumer_groups([group])
                # (error_code, group_id, state, protocol_type, protocol, members, ...)
                states[group] = described[0].groups[0][2]
            except (KafkaError, ValueError) as exc:
                # coordinator still being elected, or a group mid-rebalance that aiokafka cannot decode
                states[group] = type(exc).__name__
        return states
    finally:
        await admin.close()
