"""``mailspine bench``: drives golden mails through the running stack at full speed and at a paced rate, and
reports mails/s, end-to-end latency, CPU ms per mail per process, the share of tracing, and a bare Kafka relay
over the same hops as the denominator. Against `mailspine up`'s stack, or the test stack (its environment set,
e.g. ``eval "$(python -m tests.support.isolated_stack)"``)."""

import argparse
import json
from pathlib import Path
from typing import Any

from cli.quality_command import duration


def cmd_bench(args: argparse.Namespace) -> None:
    from cli.bench.run import BenchOptions, run_bench

    options = BenchOptions(
        mails=args.mails, paced_mails=args.paced_mails if args.paced_mails is not None else args.mails,
        rate=args.rate, model_latency=args.model_latency.total_seconds() if args.model_latency else 0.0,
        tracing_share=not args.no_tracing_share, relay=not args.no_relay, source=args.source, tenant=args.tenant,
        mailbox=args.mailbox, timeout=args.timeout)
    report = run_bench(options)
    document = json.dumps(report.as_json(), indent=2)
    if args.json_file:
        args.json_file.write_text(document + "\n")
    print(document if args.json else report.table())


def register(commands: Any) -> None:
    bench = commands.add_parser("bench", help="throughput, latency and CPU per mail of the running stack")
    bench.add_argument("--mails", type=int, default=300, help="mails per full-speed phase (and relay messages)")
    bench.add_argument("--paced-mails", type=int, help="mails in the paced phase (default: --mails)")
    bench.add_argument("--rate", type=float, help="mails/s of the paced phase (default: half the full speed)")
    bench.add_argument("--model-latency", type=duration, help="latency added in front of the reference model, "
                       "e.g. 1s (the model server is restarted for the run, and again after it)")
    bench.add_argument("--no-tracing-share", action="store_true",
                       help="skip the run with tracing off (it restarts every service twice)")
    bench.add_argument("--no-relay", action="store_true", help="skip the bare aiokafka relay")
    bench.add_argument("--source", default="local-mx", help="the mail source (signing key) the mails come from")
    bench.add_argument("--tenant", default="acme")
    bench.add_argument("--mailbox", default="support@acme.example", help="where every mail is delivered")
    bench.add_argument("--timeout", type=float, default=900.0, help="seconds each phase may take")
    bench.add_argument("--json", action="store_true", help="the report as JSON instead of a table")
    bench.add_argument("--json-file", type=Path, help="also write the JSON report here (the table still prints)")
    bench.set_defaults(run=cmd_bench)
