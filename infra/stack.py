"""`mailspine up | down | status`: the real servers, the topics and schema, then the service processes."""

import asyncio
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from infra.kafka_acls import KAFKA_PRINCIPALS, apply_acls
from infra.local_secrets import ensure_local_secrets
from infra.migrations import migrate_mail_history
from infra.redis_key_moves import move_old_keys
from infra.servers.base import Server, Status
from infra.servers.jaeger import JaegerServer
from infra.servers.kafka import KafkaServer
from infra.servers.redis import RedisServer
from infra.servers.reference_model import ReferenceModelServer
from infra.servers.weaviate import WeaviateServer
from infra.service_processes import service_status, start_services, stop_services
from infra.topic_reader import read_records
from infra.topics import ensure_topics
from services.console.settings import ConsoleSettings
from services.gateway.guardrails.trained import build_classifier
from services.gateway.settings import GatewaySettings
from services.registry.settings import RegistrySettings
from shared.contracts.topics import CRM_WRITES, MAIL_QUARANTINE
from shared.llm import LlmSettings, ReferenceModelSettings
from shared.mail_publisher import publish_inbound, read_eml
from shared.settings import REPO_ROOT, KafkaSettings, PathSettings, RedisSettings, TracingSettings, WeaviateSettings
from shared.smtp_relay import SmtpRelaySettings
from standins.smtp_relay.maildir_delivery import relay_maildir

SAMPLE_INBOX = REPO_ROOT / "data" / "inbox"


def servers() -> list[Server]:
    found: list[Server] = [RedisServer(), KafkaServer(), JaegerServer(), WeaviateServer()]
    # the rule-based reference model runs only when no real endpoint is configured (OPENAI_BASE_URL + _API_KEY)
    if LlmSettings.load().is_reference:
        found.append(ReferenceModelServer())
    return found


def ensure_model_endpoint(llm: LlmSettings) -> None:
    """The model must answer before an eval starts: the local reference server is started (and left running,
    like `mailspine up` leaves it); a real endpoint is the operator's to run."""
    if llm.is_reference:
        server = ReferenceModelServer()
        outcome = server.start()
        if outcome == "started":
            print(f"reference-model: started on {ReferenceModelSettings().base_url} (stop it with `mailspine down`)",
                  file=sys.stderr)


def up_infra() -> list[Server]:
    """Install what is missing, start each server (or reuse a running one), create topics and schema.

    Returns the servers this call started, so a caller that owns them (the test session) can stop them."""
    for secret in ensure_local_secrets():
        print(f"  generated local-dev secret {secret}", flush=True)
    started_now = []
    for server in servers():
        started = time.monotonic()
        outcome = server.start()
        print(f"  {server.name:<10} {outcome} ({time.monotonic() - started:.1f}s)", flush=True)
        if outcome == "started":
            started_now.append(server)
    with RedisServer().operator_client() as redis:
        if moved := move_old_keys(redis):
            print(f"  redis      {moved} keys moved under their service's own prefix", flush=True)
    created, present = asyncio.run(ensure_topics())
    print(f"  topics     {len(created)} created, {present} already present", flush=True)
    print(f"  kafka acls {asyncio.run(apply_acls())} grants for {len(KAFKA_PRINCIPALS) - 1} principals", flush=True)
    migrated = migrate_mail_history()
    print(f"  weaviate   collection {WeaviateSettings.load().mail_history_collection} "
          f"{'created' if migrated else 'present'}", flush=True)
    return started_now


def prepare_models() -> None:
    """Train the guardrail classifier from the committed corpus unless this exact corpus is cached."""
    settings = GatewaySettings()
    started = time.monotonic()
    build_classifier(settings)
    print(f"  models     injection classifier ready ({time.monotonic() - started:.1f}s)", flush=True)


def up(*, with_services: bool = True, replay: bool = True, replicas: Mapping[str, int] | None = None) -> None:
    print("Starting infrastructure", flush=True)
    up_infra()
    prepare_models()
    if with_services:
        print("Starting services", flush=True)
        for name, outcome in start_services(replicas=replicas).items():
            print(f"  {name:<16} {outcome}", flush=True)
    if with_services and replay:
        replay_sample_inbox()
    print_where_to_look()


def replay_sample_inbox(inbox: Path = SAMPLE_INBOX, timeout: float = 60.0) -> None:
    # each replay is a new delivery, so the Message-IDs get a per-run suffix (the gateway refuses replays)
    run = time.strftime(".replay-%Y%m%d%H%M%S")
    mails = [read_eml(path, source_id="sample-mx", tenant="acme", message_id_suffix=run)
             for path in sorted(inbox.glob("*.eml"))]
    print(f"Replaying the sample inbox: {len(mails)} mails from {inbox}", flush=True)
    asyncio.run(publish_inbound(mails))
    wanted = {mail.mail_id for mail in mails}

    def all_terminal(writes: list[dict], quarantined: list[dict]) -> bool:
        return wanted <= {r.get("mail_id") for r in writes} | {r.get("mail_id") for r in quarantined}

    deadline = time.monotonic() + timeout
    while True:
        writes = asyncio.run(read_records(CRM_WRITES, until=lambda _: False, timeout=1.0))
        quarantined = asyncio.run(read_records(MAIL_QUARANTINE, until=lambda _: False, timeout=1.0))
        if all_terminal(writes, quarantined) or time.monotonic() > deadline:
            break
    written = sorted({r["mail_id"] for r in writes} & wanted)
    held = sorted(wanted & {r.get("mail_id") for r in quarantined})
    pending = sorted(wanted - set(written) - set(held))
    print(f"  {len(written)} written to the CRM, {len(held)} quarantined, {len(pending)} not finished", flush=True)
    for mail in mails:
        state = "crm" if mail.mail_id in written else "quarantine" if mail.mail_id in held else "pending"
        print(f"  {mail.mail_id}  {state:<10}  {mail.payload.message_id}", flush=True)
    if mails:
        print(f"  explain one: mailspine why {mails[0].mail_id}", flush=True)


def print_where_to_look() -> None:
    paths, tracing = PathSettings(), TracingSettings()
    print("Where to look", flush=True)
    print(f"  console   {ConsoleSettings().url}  (prompt console: sign in with a token from "
          f"{RegistrySettings().tokens_file})")
    print(f"  traces    {tracing.query_url}/api/v3/services  (and `mailspine why MAIL_ID`)")
    print(f"  kafka     {KafkaSettings().bootstrap_servers} (SASL/PLAIN; passwords in {paths.secrets_dir / 'kafka'})")
    print(f"  redis     {RedisSettings().url} (one ACL user per service; passwords in {paths.secrets_dir / 'redis'})")
    print(f"  weaviate  {WeaviateSettings.load().url} (API key in {paths.secrets_dir})")
    llm = LlmSettings.load()
    model = (f"{ReferenceModelSettings().base_url} (rule-based reference model, not an LLM; key in {paths.secrets_dir})"
             if llm.is_reference else f"{llm.base_url} (from OPENAI_BASE_URL)")
    print(f"  model     {model}")
    relay = SmtpRelaySettings()
    print(f"  mail out  smtp://{relay.host}:{relay.port} (SMTP relay stand-in; delivered mail in "
          f"{relay_maildir(paths)})")
    print(f"  logs      {paths.home / 'log'}")


def down() -> None:
    for name in stop_services():
        print(f"  stopped {name}", flush=True)
    for server in reversed(servers()):
        print(f"  {server.name:<10} {'stopped' if server.stop() else 'was not running (or not ours)'}", flush=True)


def status() -> tuple[list[Status], dict[str, bool]]:
    return [server.status() for server in servers()], service_status()
