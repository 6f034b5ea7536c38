"""Runtime benchmark: runs/s through ONE runtime process, with the reference model behind 1 s of added latency
per chat completion (a hosted model's cost; the server sleeps, it does not compute), then without it. Beside
runs/s it reports the runs in flight (Redis ``runtime:active``) and the CPU the runtime and the model server used,
so it shows whether the limit is CPU or waiting.

Accepted mails are published straight to mail.accepted.v1 (as the gateway would), so the gateway's own cost is
not in the number. The CRM writer runs; tool services the stack does not run yet answer nothing, so their calls
expire after the runtime's tool deadline (set short here) and the runs go on, as in production.

Run (on the test stack, through the slot lock):
    /work/bin/stack-run uv run python -m benchmarks.runtime_bench [--mails 400] [--latency 1.0]
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from infra.process import read_pid, start_daemon, stop_daemon
from infra.service_processes import SERVICES, stop_services
from infra.stack import up_infra
from infra.topic_reader import read_records
from shared.contracts.mail import AcceptedMail, AcceptedMailBody, GuardrailSummary
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED
from shared.llm import ReferenceModelSettings
from shared.settings import REPO_ROOT, KafkaSettings, PathSettings, RedisSettings
from shared.spotlight import spotlight, spotlight_contract
from tests.support.isolated_stack import isolate_test_stack

TICKS = os.sysconf("SC_CLK_TCK")
BODY = ("Hello Acme support, the pallet for order AC-558213 arrived with two damaged desk frames. "
        "Please refund EUR 418.00 for the two units. Kind regards, <PERSON_1>")


def accepted_mail() -> AcceptedMail:
    token = uuid.uuid4().hex
    payload = AcceptedMailBody(
        message_id=f"<{token}@bench>", thread_id=f"<{token}@bench>", mailbox="support@acme.example",
        sender=spotlight("<PERSON_1> <EMAIL_1>"), sender_address="<EMAIL_1>", subject=spotlight("Damaged desks"),
        body=spotlight(BODY), spotlight=spotlight_contract(), attachments=[],
        guardrail=GuardrailSummary(verdict="pass", score=0.01, rule_hits=[]), requires_human_review=False,
        redacted_entities={"EMAIL_ADDRESS": 1, "PERSON": 1}, address_keys={"<EMAIL_1>": f"cust_{token[:24]}"},
        received_at=datetime.now(UTC))
    return AcceptedMail(tenant="acme", mail_id=f"bench-{token[:16]}", payload=payload)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class Daemon:
    """A process this benchmark starts and stops by its own PID file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        run = PathSettings().home / "run"
        self.pid_file, self.log = run / f"bench-{name}.pid", PathSettings().home / "log" / f"bench-{name}.log"
        self.pid = start_daemon(name, argv, pid_file=self.pid_file, log_file=self.log, env=env, cwd=REPO_ROOT)

    def stop(self) -> None:
        stop_daemon(self.pid_file)


def start_model(port: int, latency: float) -> Daemon:
    model = Daemon(f"model-{port}", [sys.executable, "-m", "standins.reference_model", "--port", str(port),
                                     "--added-latency", str(latency)], {})
    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return model
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the reference model on {port} did not start; see {model.log}")


def start_supporting_services() -> None:
    """The registry (the runtime's prompts) and the CRM writer (its one running tool), if not running."""
    paths = PathSettings()
    for spec in SERVICES:
        if spec.name in ("registry", "tool-crm-writer"):
            pid_file = paths.home / "run" / f"service-{spec.name}.pid"
            if read_pid(pid_file) is None:
                start_daemon(spec.name, [sys.executable, "-m", spec.module], pid_file=pid_file,
                             log_file=paths.home / "log" / f"service-{spec.name}.log", cwd=REPO_ROOT)
    time.sleep(10)


async def publish(mails: list[AcceptedMail]) -> None:
    producer = AIOKafkaProducer(**KafkaSettings.for_principal("gateway").client_options(), linger_ms=5)
    await producer.start()
    try:
        await asyncio.gather(*(producer.send(MAIL_ACCEPTED, m.model_dump_json().encode(), key=m.mail_id.encode())
                               for m in mails))
        await producer.flush()
    finally:
        await producer.stop()


async def measure(count: int, runtime: Daemon, model: Daemon) -> dict[str, Any]:
    redis = RedisSettings.for_user("runtime").client()  # the runtime's own keys, read as the runtime
    samples: list[int] = []
    stop = asyncio.Event()

    async def sample_in_flight() -> None:
        while not stop.is_set():
            samples.append(int(await redis.scard("runtime:active")))
            await asyncio.sleep(0.5)

    mails = [accepted_mail() for _ in range(count)]
    wanted = {m.mail_id for m in mails}
    cpu_before = cpu_seconds(runtime.pid), cpu_seconds(model.pid)
    sampler = asyncio.create_task(sample_in_flight())
    started = time.perf_counter()
    await publish(mails)
    runs = await read_records(AGENT_RUNS, until=lambda rs: wanted <= {r.get("mail_id") for r in rs}, timeout=900)
    elapsed = time.perf_counter() - started
    stop.set()
    await sampler
    await redis.aclose()
    cpu_after = cpu_seconds(runtime.pid), cpu_seconds(model.pid)
    # a run whose record a late result corrected has a second summary; the latest one counts
    latest = {r["mail_id"]: r["payload"] for r in runs if r.get("mail_id") in wanted}
    ours = list(latest.values())
    corrected = sum(1 for r in runs if r.get("mail_id") in wanted) - len(ours)
    return {"runs": len(ours), "corrected": corrected, "load": os.getloadavg(), "seconds": elapsed,
            "runs_per_s": len(ours) / elapsed,
            "in_flight_max": max(samples, default=0), "in_flight_mean": statistics.mean(samples) if samples else 0,
            "runtime_cpu_s": cpu_after[0] - cpu_before[0], "model_cpu_s": cpu_after[1] - cpu_before[1],
            "outcomes": Counter(f"{r['outcome']}/{r['terminal_state']}" for r in ours),
            "latency_p50_s": statistics.median(r["latency_ms"] for r in ours) / 1000}


def bench(count: int, latency: float, in_flight: int, tool_deadline: float) -> None:
    port = ReferenceModelSettings().port + 1  # a model server of the benchmark's own, with the added latency
    model = start_model(port, latency)
    runtime = Daemon("runtime", [sys.executable, "-m", "services.runtime"],
                     {"MAILSPINE_REFERENCE_MODEL_PORT": str(port), "MAILSPINE_RUNTIME_MAX_IN_FLIGHT": str(in_flight),
                      "MAILSPINE_RUNTIME_TOOL_DEADLINE_SECONDS": str(tool_deadline)})
    try:
        asyncio.run(measure(4, runtime, model))  # warm-up: consumers joined, prompts resolved
        result = asyncio.run(measure(count, runtime, model))
    finally:
        runtime.stop()
        model.stop()
    cpu_share = result["runtime_cpu_s"] / result["seconds"]
    print(f"\nmodel latency +{latency:g} s, one runtime process (max {in_flight} runs in flight, tool deadline "
          f"{tool_deadline:g} s): {result['runs']} runs in {result['seconds']:.1f} s = {result['runs_per_s']:.1f} "
          f"runs/s; run latency p50 {result['latency_p50_s']:.1f} s")
    print(f"  runs in flight: max {result['in_flight_max']}, mean {result['in_flight_mean']:.0f}")
    print(f"  CPU: runtime {result['runtime_cpu_s']:.1f} s ({cpu_share:.0%} of one core, "
          f"{1000 * result['runtime_cpu_s'] / max(1, result['runs']):.1f} ms per run), model server "
          f"{result['model_cpu_s']:.1f} s ({result['model_cpu_s'] / result['seconds']:.0%} of one core)")
    print(f"  outcomes: {dict(result['outcomes'])}; corrected summaries: {result['corrected']}")
    print(f"  load average at the end (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in result['load'])} "
          f"(other work on this machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=400)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds added to each chat completion")
    parser.add_argument("--in-flight", type=int, default=512)
    parser.add_argument("--tool-deadline", type=float, default=2.0)
    args = parser.parse_args()
    isolate_test_stack()  # the test stack's ports and state (MAILSPINE_TEST_PORT_BASE), never `make up`'s
    up_infra()
    stop_services(names={"runtime"})  # one runtime process: the benchmark's own
    start_supporting_services()
    bench(args.mails, args.latency, args.in_flight, args.tool_deadline)
    bench(args.mails, 0.0, args.in_flight, args.tool_deadline)


if __name__ == "__main__":
    main()
