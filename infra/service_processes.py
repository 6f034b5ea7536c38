"""The Mailspine service processes: one OS process per service, started and stopped by PID file."""

import asyncio
import smtplib
import sys
import time
from collections.abc import Callable, Mapping
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

    @property
    def replicable(self) -> bool:
        """A pure Kafka consumer can run as several processes in its group; one with a port of its own cannot."""
        return self.consumer_group is not None and self.health_url is None and self.ready is None


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


def _pid_file(paths: PathSettings, spec: ServiceSpec, replica: int = 1) -> Path:
    # the first process keeps the plain name, so a stack started before replicas existed is still found
    return paths.home / "run" / (f"service-{spec.name}.pid" if replica == 1 else f"service-{spec.name}.{replica}.pid")


def _log_file(paths: PathSettings, spec: ServiceSpec, replica: int = 1) -> Path:
    return paths.home / "log" / (f"service-{spec.name}.log" if replica == 1 else f"service-{spec.name}.{replica}.log")


def _replica_pid_files(paths: PathSettings, spec: ServiceSpec) -> list[Path]:
    """The PID files of every process of ``spec``: the first, then the extra replicas in order."""
    numbered = {}
    for path in paths.home.joinpath("run").glob(f"service-{spec.name}.*.pid"):
        replica = path.name.removeprefix(f"service-{spec.name}.").removesuffix(".pid")
        if replica.isdigit():
            numbered[int(replica)] = path
    return [_pid_file(paths, spec), *(numbered[replica] for replica in sorted(numbered))]


def parse_replicas(text: str) -> dict[str, int]:
    """``runtime=2,gateway=2`` -> {"runtime": 2, "gateway": 2}; a clear error for anything else."""
    replicas: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, sep, count = part.partition("=")
        if not sep or not count.strip().isdigit() or int(count) < 1:
            raise InfraError(f"--replicas: {part!r} is not SERVICE=COUNT with a COUNT of at least 1 "
                             "(example: --replicas runtime=2,gateway=2)")
        replicas[name.strip()] = int(count)
    check_replicas(replicas)
    return replicas


def check_replicas(replicas: Mapping[str, int]) -> None:
    by_name = {spec.name: spec for spec in SERVICES}
    partitions = KafkaSettings().default_partitions
    for name, count in replicas.items():
        spec = by_name.get(name)
        if spec is None:
            raise InfraError(f"--replicas: no service named {name!r}; services: {', '.join(by_name)}")
        if count > 1 and not spec.replicable:
            replicable = ", ".join(s.name for s in SERVICES if s.replicable)
            raise InfraError(f"--replicas: {name} serves a port of its own and runs as one process; "
                             f"these can run as several: {replicable}")
        if count > partitions:
            # a consumer group never gives one partition to two members: the extra processes would sit idle
            raise InfraError(f"--replicas: {name}={count} is more than the {partitions} partitions per topic; "
                             "create the topics with more (MAILSPINE_KAFKA_DEFAULT_PARTITIONS, before `mailspine up` "
                             "creates them) or run fewer replicas")


def start_services(paths: PathSettings | None = None, timeout: float = 180.0,
                   replicas: Mapping[str, int] | None = None) -> dict[str, str]:
    """Start each service process not already running (``replicas`` processes of a pure consumer, one of every
    other), then wait until every consumer group is Stable with all its members (a loaded machine loads the
    gateway's language models slowly, hence the generous timeout)."""
    paths = paths or PathSettings()
    replicas = dict(replicas or {})
    check_replicas(replicas)
    outcome = {}
    for spec in SERVICES:
        for replica in range(1, replicas.get(spec.name, 1) + 1):
            label = spec.name if replica == 1 else f"{spec.name}.{replica}"
            pid_file = _pid_file(paths, spec, replica)
            if read_pid(pid_file) is not None:
                outcome[label] = "already running"
                continue
            start_daemon(label, [sys.executable, "-m", spec.module], pid_file=pid_file,
                         log_file=_log_file(paths, spec, replica), cwd=REPO_ROOT)
            outcome[label] = "started"
    wait_for_consumers(paths, timeout)
    return outcome


def stop_services(paths: PathSettings | None = None, names: set[str] | None = None) -> list[str]:
    """Stop the services (all, or only ``names``), every replica, by PID file; returns the ones that were running.

    A name may also be one replica (``runtime.2``), which stops only that process."""
    paths = paths or PathSettings()
    stopped = []
    for spec in SERVICES:
        for pid_file in _replica_pid_files(paths, spec):
            label = _label(spec, pid_file)
            if (names is None or spec.name in names or label in names) and stop_daemon(pid_file):
                stopped.append(label)
    return stopped


def _label(spec: ServiceSpec, pid_file: Path) -> str:
    return pid_file.name.removeprefix("service-").removesuffix(".pid") if pid_file.name != f"service-{spec.name}.pid" \
        else spec.name


def service_status(paths: PathSettings | None = None) -> dict[str, bool]:
    """Each service process: the first under the service's name, extra replicas as ``name.N``."""
    paths = paths or PathSettings()
    status = {}
    for spec in SERVICES:
        for pid_file in _replica_pid_files(paths, spec):
            running = read_pid(pid_file) is not None
            if pid_file == _pid_file(paths, spec) or running:
                status[_label(spec, pid_file)] = running
    return status


def running_replicas(paths: PathSettings, spec: ServiceSpec) -> int:
    return sum(read_pid(pid_file) is not None for pid_file in _replica_pid_files(paths, spec))


def wait_for_consumers(paths: PathSettings, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for spec in SERVICES:
            for replica, pid_file in enumerate(_replica_pid_files(paths, spec), start=1):
                if replica == 1 and read_pid(pid_file) is None:
                    log_file = _log_file(paths, spec)
                    raise InfraError(f"service {spec.name} exited. Last lines of {log_file}:\n{log_tail(log_file)}")
        members = {spec.consumer_group: running_replicas(paths, spec) for spec in SERVICES if spec.consumer_group}
        states = asyncio.run(_group_states(members))
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


async def _group_states(members: Mapping[str, int]) -> dict[str, str]:
    """Each group's state, "Stable" only once it has at least as many members as processes run for it."""
    admin = AIOKafkaAdminClient(**KafkaSettings.for_principal(ADMIN).client_options(), request_timeout_ms=5000)
    await admin.start()
    states = {}
    try:
        for group, expected in members.items():
            try:
                described = await admin.describe_consumer_groups([group])
                # (error_code, group_id, state, protocol_type, protocol, members, ...)
                state, joined = described[0].groups[0][2], len(described[0].groups[0][5])
                states[group] = state if state != "Stable" or joined >= expected else f"Stable, {joined}/{expected}"
            except (KafkaError, ValueError) as exc:
                # coordinator still being elected, or a group mid-rebalance that aiokafka cannot decode
                states[group] = type(exc).__name__
        return states
    finally:
        await admin.close()
