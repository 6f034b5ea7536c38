"""One `mailspine bench` run: warm-up, full speed, paced, tracing off, and the bare relay, in that order."""

import asyncio
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from cli.bench.golden_inbound import golden_inbound
from cli.bench.mail_flow import FlowResult, PipelineWatch
from cli.bench.process_cpu import StackProcesses
from cli.bench.relay import relay
from cli.bench.report import BenchReport, Phase, Relay, hops_of, relay_sizes
from cli.bench.stack_control import model_latency, require_services, tracing_off
from shared.settings import PathSettings

WARM_UP_MAILS = 5
SETTLE_SECONDS = 2.0  # after the last terminal record: the evaluator's and the broker's trailing work counts too


@dataclass(frozen=True)
class BenchOptions:
    mails: int
    paced_mails: int
    rate: float | None  # mails/s for the paced phase; None = half the full-speed throughput
    model_latency: float
    tracing_share: bool
    relay: bool
    source: str
    tenant: str
    mailbox: str
    timeout: float  # per phase


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _progress(label: str) -> Callable[[int, int], None]:
    started = time.monotonic()
    return lambda ended, sent: say(f"{label}: {ended}/{sent} ended, {time.monotonic() - started:.0f} s")


def run_bench(options: BenchOptions) -> BenchReport:
    report = BenchReport(settings={
        "mails": options.mails, "paced_mails": options.paced_mails, "rate": options.rate,
        "model_latency_s": options.model_latency, "source": options.source, "tenant": options.tenant,
        "mailbox": options.mailbox, "stack_home": str(PathSettings().home)})
    report.load_average["start"] = list(os.getloadavg())
    services = require_services()
    with model_latency(options.model_latency):
        _flow_phase(options, "warm_up", WARM_UP_MAILS, None, services)
        full, flow = _flow_phase(options, "full_speed", options.mails, None, services)
        report.phases.append(full)
        report.hops = hops_of(flow)
        rate = options.rate or max(0.5, round(full.mails_per_s / 2, 1))
        report.settings["rate"] = rate
        report.phases.append(_flow_phase(options, "paced", options.paced_mails, rate, services)[0])
        if options.tracing_share:
            say("restarting every service without its span exporter")
            with tracing_off():
                _flow_phase(options, "warm_up", WARM_UP_MAILS, None, services)
                report.phases.append(_flow_phase(options, "tracing_off", options.mails, None, services)[0])
                say("restarting every service with tracing as before")
    if options.relay:
        report.relay = _relay_phase(options, relay_sizes(report.hops))
    report.load_average["end"] = list(os.getloadavg())
    return report


def _flow_phase(options: BenchOptions, name: str, count: int, rate: float | None,
                services: set[str]) -> tuple[Phase, FlowResult]:
    say(f"{name}: {count} golden mails " + ("as fast as they go" if rate is None else f"at {rate:g}/s"))
    mails = golden_inbound(count, source_id=options.source, tenant=options.tenant, mailbox=options.mailbox)
    processes = StackProcesses(PathSettings().home / "run")

    async def follow() -> FlowResult:
        async with PipelineWatch() as watch:
            return await watch.follow(mails, rate, options.timeout, _progress(name))

    before = processes.snapshot()
    flow = asyncio.run(follow())
    time.sleep(SETTLE_SECONDS)
    phase = Phase.of(name, flow, rate, processes.snapshot().since(before), services)
    say(f"{name}: {phase.mails_per_s:.1f} mails/s, {phase.cpu_total():.1f} CPU ms per mail, ended {phase.ended}")
    return phase, flow


def _relay_phase(options: BenchOptions, sizes: list[int]) -> Relay:
    say(f"bare relay: {options.mails} messages over {len(sizes)} hops of {min(sizes)}-{max(sizes)} bytes")
    processes = StackProcesses(PathSettings().home / "run")
    before, own_before = processes.snapshot(), _own_cpu()
    result = asyncio.run(relay(sizes, options.mails, options.timeout, _progress("bare relay")))
    cpu = {"relay": _own_cpu() - own_before}
    cpu |= {name: s for name, s in processes.snapshot().since(before).items() if name == "kafka"}
    return Relay.of(result, cpu)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
