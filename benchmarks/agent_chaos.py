"""SIGKILL of the runtime while many mails are in flight: does every mail end once, is every tool effect once?

    python -m benchmarks.agent_chaos [--mails 500] [--above-share 0.25]

Sends ``--mails`` refund mails through the gateway (a share of them above the tenant's refund limit, so they
pause for a person), SIGKILLs the runtime process by its PID as soon as runs are in flight, starts it again,
approves every pending review (as the review dashboard, bound to the hash of the proposed arguments), then counts:
terminal run summaries per mail (agent.runs.v1), first executions per tool call id (results with duplicate=false)
and CRM writes per idempotency key. The e2e test `tests/e2e/test_agent_acceptance.py` runs the same with fewer
mails.
"""

import argparse
import asyncio
import os
import signal
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra.kafka_acls import REVIEW_DASHBOARD
from infra.process import read_pid
from infra.topic_reader import read_records
from shared.contracts.review import ReviewDecision, ReviewDecisionMessage
from shared.contracts.tool_calls import arguments_hash
from shared.contracts.topics import AGENT_RUNS, CRM_WRITES, REVIEW_REQUESTS, tool_results
from shared.mail_publisher import inbound_from_eml, publish_inbound
from shared.settings import PathSettings
from tests.support.eval_helpers import publish_as
from tests.support.helpers import unique_mail

TOOLS = ("crm_writer", "email_sender", "history", "retriever")
WITHIN_LIMIT = "Please refund EUR 418.00 for order AC-558213, the kettle arrived cracked."
ABOVE_LIMIT = "Please refund EUR 1500.00 for order AC-558213, the whole delivery was broken."


@dataclass
class ChaosReport:
    mails: list[str]
    above_limit: set[str]
    killed_pid: int
    summaries_before_kill: int
    reviews_before_kill: int
    decided: int = 0
    summaries: Counter[str] = field(default_factory=Counter)
    ends: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))  # (terminal, outcome)
    terminal_states: Counter[str] = field(default_factory=Counter)
    first_runs: Counter[str] = field(default_factory=Counter)  # call id -> results with duplicate=false
    duplicates_answered: int = 0
    crm_writes: Counter[str] = field(default_factory=Counter)  # idempotency key -> writes
    seconds: float = 0.0

    def ended_not_once(self) -> dict[str, list[tuple[str, str]]]:
        """Mails with no summary, or with summaries that disagree on how the run ended."""
        return {mail: sorted(self.ends[mail]) for mail in self.mails if len(self.ends[mail]) != 1}

    def summaries_repeated(self) -> dict[str, int]:
        """Mails whose one end was published more than once: a runtime killed after publishing a run's summary and
        before recording the run as finished publishes the same end again when it resumes (at least once)."""
        return {mail: self.summaries[mail] for mail in self.mails if self.summaries[mail] > 1}

    def executed_twice(self) -> dict[str, int]:
        return {call: n for call, n in self.first_runs.items() if n > 1}

    def written_twice(self) -> dict[str, int]:
        return {key: n for key, n in self.crm_writes.items() if n > 1}


def _read(topic: str, mails: set[str], done: Any = None, timeout: float = 5.0) -> list[dict[str, Any]]:
    def ours(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in records if r.get("mail_id") in mails]

    until = (lambda records: done(ours(records))) if done else (lambda _: False)
    return ours(asyncio.run(read_records(topic, until=until, timeout=timeout)))


def runtime_pid_file() -> Any:
    return PathSettings().home / "run" / "service-runtime.pid"


def send(count: int, above_share: float) -> tuple[list[str], set[str]]:
    above_every = max(1, round(1 / above_share)) if above_share > 0 else 0
    bodies = [ABOVE_LIMIT if above_every and i % above_every == 0 else WITHIN_LIMIT for i in range(count)]
    mails = [inbound_from_eml(unique_mail(body=body), source_id="test-mx", tenant="acme") for body in bodies]
    asyncio.run(publish_inbound(mails))
    return [m.mail_id for m in mails], {m.mail_id for m, b in zip(mails, bodies, strict=True) if b == ABOVE_LIMIT}


def kill_runtime_in_flight(mails: set[str], timeout: float = 300.0) -> tuple[int, int, int]:
    """Waits until runs are in flight (a first summary or review request of ours), then SIGKILLs the runtime."""
    deadline = time.monotonic() + timeout
    while True:
        summaries = _read(AGENT_RUNS, mails, done=bool, timeout=1.0)
        reviews = _read(REVIEW_REQUESTS, mails, timeout=0.5) if summaries else []
        if summaries or time.monotonic() > deadline:
            break
    pid = read_pid(runtime_pid_file())
    assert pid is not None, "the runtime is not running"
    os.kill(pid, signal.SIGKILL)
    _wait_gone(pid)
    return pid, len({r["mail_id"] for r in summaries}), len({r["mail_id"] for r in reviews})


def _wait_gone(pid: int) -> None:
    """Until the killed process is gone; reaped if it is our child (the pid file stays, naming a dead pid)."""
    while read_pid(runtime_pid_file()) is not None:
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return
        except ChildProcessError:
            pass  # not our child: its parent reaps it
        time.sleep(0.1)


def approve_reviews(mails: set[str], timeout: float) -> int:
    """Approves each proposed call of every pending review, bound to the hash of its proposed arguments."""
    requests = _read(REVIEW_REQUESTS, mails, done=lambda rs: {r["mail_id"] for r in rs} >= mails, timeout=timeout)
    decided: set[tuple[str, str]] = set()
    for request in requests:
        for call in request["payload"]["calls"]:
            if (request["mail_id"], call["call_id"]) in decided:
                continue
            decided.add((request["mail_id"], call["call_id"]))
            approval = ReviewDecision(
                decision_id=uuid.uuid4().hex, reviewer="chaos-reviewer", verdict="approve", call_id=call["call_id"],
                arguments_hash=arguments_hash(call["arguments"]), decided_at=datetime.now(UTC))
            decision = ReviewDecisionMessage(tenant=request["tenant"], mail_id=request["mail_id"], payload=approval)
            publish_as(REVIEW_DASHBOARD, "review.decisions.v1", decision.model_dump(mode="json"), request["mail_id"])
    return len(decided)


def count(report: ChaosReport, timeout: float) -> None:
    mails = set(report.mails)
    runs = _read(AGENT_RUNS, mails, done=lambda rs: {r["mail_id"] for r in rs} >= mails, timeout=timeout)
    runs = _read(AGENT_RUNS, mails, timeout=5.0)  # and a little longer: a second summary of a mail would show here
    report.summaries = Counter(r["mail_id"] for r in runs)
    for run in runs:
        report.ends[run["mail_id"]].add((str(run["payload"].get("terminal_state")), str(run["payload"]["outcome"])))
    report.terminal_states = Counter(str(r["payload"].get("terminal_state")) for r in runs)
    for tool in TOOLS:
        for record in _read(tool_results(tool), mails):
            if record["payload"].get("duplicate"):
                report.duplicates_answered += 1
            else:
                report.first_runs[record["payload"]["call_id"]] += 1
    report.crm_writes = Counter(r["payload"]["idempotency_key"] for r in _read(CRM_WRITES, mails))


def run_chaos(mail_count: int, above_share: float, timeout: float = 600.0) -> ChaosReport:
    """The whole scenario on the running stack (its services started, the runtime among them)."""
    from infra.service_processes import start_services  # its health URLs are read on import: after isolating

    started = time.monotonic()
    mails, above = send(mail_count, above_share)
    pid, summaries, reviews = kill_runtime_in_flight(set(mails))
    report = ChaosReport(mails, above, pid, summaries, reviews)
    start_services()
    report.decided = approve_reviews(above, timeout)
    count(report, timeout)
    report.seconds = time.monotonic() - started
    return report


def main() -> None:
    from tests.support.isolated_stack import isolate_test_stack

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--above-share", type=float, default=0.25)
    args = parser.parse_args()
    isolate_test_stack()  # the test stack's ports and state (MAILSPINE_TEST_PORT_BASE), never `make up`'s
    from infra.service_processes import start_services, stop_services  # settings read on import: isolated first
    from infra.stack import prepare_models, up_infra

    servers = up_infra()
    prepare_models()
    outcome = start_services()
    try:
        report = run_chaos(args.mails, args.above_share, timeout=max(600.0, args.mails * 2.0))
    finally:  # what this run started stops again (the runtime it restarted among it)
        stop_services(names={name for name, what in outcome.items() if what == "started"} | {"runtime"})
        for server in reversed(servers):
            server.stop()
    print(f"{len(report.mails)} mails ({len(report.above_limit)} above the limit), runtime pid {report.killed_pid} "
          f"SIGKILLed with {report.summaries_before_kill} runs ended and {report.reviews_before_kill} waiting for "
          f"review; {report.decided} reviews approved after the restart; {report.seconds:.0f} s in all")
    print(f"  terminal states: {dict(report.terminal_states)}")
    print(f"  mails not ended exactly once: {len(report.ended_not_once())} {report.ended_not_once() or ''}")
    print(f"  mails whose one end was published again after the kill: {len(report.summaries_repeated())}")
    print(f"  tool call ids first-executed: {len(report.first_runs)}, twice or more: {len(report.executed_twice())}"
          f"; duplicate deliveries answered from the first result: {report.duplicates_answered}")
    print(f"  CRM writes: {sum(report.crm_writes.values())} over {len(report.crm_writes)} idempotency keys, "
          f"written twice: {len(report.written_twice())}")


if __name__ == "__main__":
    main()
