"""Runtime throughput with the online evaluator running and stopped, side by side in one run.

The judge is never on the request path: the runtime publishes its run summary and moves on; the evaluator
scores it later from agent.runs.v1. What the evaluator can still cost the runtime is machine time (the judge
calls the same model server, on the same cores). This benchmark measures both: mails/s through the runtime and
the runtime's own per-run latency, by default with every mail sampled (tenant globex, rate 1.0: the
evaluator's worst case; --tenant acme for the configured 20%), alternating evaluator on and off so drift of the
machine affects both alike.

Run: uv run python -m benchmarks.evaluator_overhead [--mails 300] [--rounds 2]
     (starts or reuses the local servers and services; restarts the evaluator when done)
"""

import argparse
import asyncio
import statistics
import time
from datetime import datetime

from infra.service_processes import start_services, stop_services
from infra.stack import prepare_models, up_infra
from infra.topic_reader import read_records
from shared.contracts.eval_score import SCHEMA_VALID
from shared.contracts.topics import AGENT_RUNS, EVAL_SCORES
from tests.support.eval_helpers import golden_inbound, send


def _ours(records: list[dict], ids: set[str], metric: str | None = None) -> dict[str, dict]:
    return {r["mail_id"]: r for r in records
            if r.get("mail_id") in ids and (metric is None or r["payload"].get("metric") == metric)}


def one_round(mails_count: int, tenant: str = "globex") -> tuple[set[str], tuple[float, float, float]]:
    """Sends a batch; returns its mail ids and (mails/s through the runtime, p50 and p95 run latency in ms)."""
    mails = golden_inbound(tenant, mails_count)
    ids = {m.mail_id for m in mails}
    started = time.time()
    send(mails)
    runs = _ours(asyncio.run(read_records(AGENT_RUNS, until=lambda rs: len(_ours(rs, ids)) == len(ids),
                                          timeout=600)), ids)
    if len(runs) != len(ids):
        raise SystemExit(f"only {len(runs)} of {len(ids)} runs finished within 600 s")
    finished = max(datetime.fromisoformat(r["created_at"]).timestamp() for r in runs.values())
    latencies = sorted(r["payload"]["latency_ms"] for r in runs.values())
    return ids, (len(ids) / (finished - started), statistics.median(latencies), latencies[int(0.95 * len(latencies))])


def wait_until_scored(ids: set[str]) -> None:
    """Before the next round, the evaluator has caught up (a backlog would compete with the next round).
    Waits for every mail of ``ids`` that was sampled (the rest are never scored)."""
    runs = _ours(asyncio.run(read_records(AGENT_RUNS, until=lambda rs: len(_ours(rs, ids)) == len(ids),
                                          timeout=600)), ids)
    sampled = {mail_id for mail_id, run in runs.items() if run["payload"]["sampled"]}
    asyncio.run(read_records(EVAL_SCORES, until=lambda rs: len(_ours(rs, sampled, SCHEMA_VALID)) == len(sampled),
                             timeout=600))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of evaluator-on and evaluator-off rounds")
    parser.add_argument("--tenant", default="globex", choices=("globex", "acme"),
                        help="globex: every mail sampled (the worst case); acme: the configured 20%%")
    args = parser.parse_args()
    up_infra()
    prepare_models()
    start_services()
    print("warming up with 40 mails")
    wait_until_scored(one_round(40, args.tenant)[0])
    results: dict[str, list[tuple[float, float, float]]] = {"on": [], "off": []}
    unscored: set[str] = set()
    try:
        for round_ in range(args.rounds):
            for mode in (("on", "off") if round_ % 2 == 0 else ("off", "on")):
                if mode == "off":
                    stop_services(names={"evaluator"})
                else:
                    start_services()
                    wait_until_scored(unscored)
                print(f"round {round_ + 1}, evaluator {mode}: {args.mails} mails ...", flush=True)
                ids, result = one_round(args.mails, args.tenant)
                if mode == "off":
                    unscored = ids
                else:
                    wait_until_scored(ids)
                results[mode].append(result)
                print(f"  {result[0]:.1f} mails/s, run latency p50 {result[1]:.1f} ms, p95 {result[2]:.1f} ms")
    finally:
        start_services()
    print("\nevaluator  rounds  mails/s (median)  run latency p50 / p95 ms (median of rounds)")
    for mode in ("off", "on"):
        rows = results[mode]
        print(f"{mode:<10} {len(rows):>6}  {statistics.median(r[0] for r in rows):>16.1f}  "
              f"{statistics.median(r[1] for r in rows):.1f} / {statistics.median(r[2] for r in rows):.1f}")
    ratio = statistics.median(r[0] for r in results["on"]) / statistics.median(r[0] for r in results["off"])
    print(f"throughput with the evaluator on / off: {ratio:.2f}")


if __name__ == "__main__":
    main()
