"""How long a promotion or rollback takes to reach a client in another process.

    python -m benchmarks.rollback_delay [--changes 20]

Starts a private registry (own port and prompt, real Kafka and Redis; `mailspine up --no-services` first) and a
separate process following it with a PromptClient (benchmarks/prompt_watch.py). Then alternates rollbacks and
promotions of production, and for each measures the time from the API call returning to the client process
noticing the new version (wall clock on one machine; the client polls its cache every 5 ms). A change the
client saw before the API call returned counts as 0 s. Prints p50, p95 and max; the target is at most 1 s.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from infra.registry_harness import PromptWatcher, derived_prompt, private_registry
from shared.contracts.eval_run import EvalRunRecord
from shared.eval_runs import EvalRunStore
from shared.golden import dataset_hash

TARGET_SECONDS = 1.0


def _gate_fixture(candidate_hash: str, baseline_hash: str, prompt: str) -> EvalRunRecord:
    """The promotion gate wants a passing eval run; this benchmark measures propagation, not prompt quality, so
    it records one (clearly named as a benchmark fixture, in the private registry's own eval-run folder)."""
    from datetime import UTC, datetime

    return EvalRunRecord(run_id=f"bench-fixture-{int(time.time() * 1000)}", created_at=datetime.now(UTC),
                         dataset_hash=dataset_hash(), dataset_split="all", mails=0, prompt_name=prompt,
                         candidate_version="1.1.0", candidate_hash=candidate_hash, baseline_version="1.0.0",
                         baseline_hash=baseline_hash, model="none (benchmark fixture)", metrics={},
                         baseline_metrics=None, comparisons=[], verdict="pass", reasons=[])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(changes: int) -> list[tuple[float, float]]:
    with tempfile.TemporaryDirectory() as folder, private_registry(Path(folder), "bench") as registry:
        stable, candidate = derived_prompt(registry.prompt, "1.0.0"), derived_prompt(registry.prompt, "1.1.0", " v2")
        assert registry.call("POST", "/v1/prompts", "editor",
                             candidate.model_dump(mode="json", by_alias=True)).status_code == 201
        EvalRunStore(registry.eval_runs_dir).save(_gate_fixture(candidate.content_hash or "",
                                                                stable.content_hash or "", registry.prompt))
        watcher = PromptWatcher(registry)
        delays = []
        try:
            current = watcher.next_line()["version"]
            for number in range(changes):
                if current == "1.0.0":
                    path, body = "promote", {"version": "1.1.0", "label": "production", "reason": f"bench {number}"}
                else:
                    path, body = "rollback", {"label": "production", "reason": f"bench {number}"}
                target = "1.1.0" if current == "1.0.0" else "1.0.0"
                sent = time.time()
                response = registry.call("POST", f"/v1/prompts/{registry.prompt}/{path}", "rel.manager", body)
                returned = time.time()
                assert response.status_code == 200, response.text
                seen = watcher.until(lambda line, target=target: line["version"] == target, timeout=30)
                delays.append((max(0.0, seen["t"] - returned), seen["t"] - sent))
                current = target
        finally:
            watcher.stop()
        return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=20)
    measured = run(parser.parse_args().changes)
    after_response = [m[0] * 1000 for m in measured]
    after_request = [m[1] * 1000 for m in measured]
    print(f"{len(measured)} promotions/rollbacks; when the client process saw the new version:")
    for title, ms in (("after the API response", after_response), ("after the API request was sent", after_request)):
        print(f"  {title:<32} p50 {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 0.95):7.1f} ms   "
              f"max {max(ms):7.1f} ms")
    print(f"  (seen before the response returned: {sum(m[0] == 0 for m in measured)} of {len(measured)}; the registry "
          "answers once its own follower has read the change back)")
    worst = max(after_response) / 1000
    print(f"  target <= {TARGET_SECONDS * 1000:.0f} ms after the response: {'met' if worst <= TARGET_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
