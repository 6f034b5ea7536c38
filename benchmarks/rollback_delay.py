"""How long a promotion or rollback takes to reach a client in another process.

    python -m benchmarks.rollback_delay [--changes 20] [--observer client|runtime]

Starts a private registry (own port and prompt, real Kafka and Redis; `mailspine up --no-services` first) and a
separate process following it with a PromptClient (benchmarks/prompt_watch.py). Then alternates rollbacks and
promotions of production, and for each measures the time from the API call returning to the client process
noticing the new version (wall clock on one machine; the client polls its cache every 5 ms). A change the
client saw before the API call returned counts as 0 s. With `--observer runtime` the observer is the running
runtime service itself (`mailspine up`), read from the line it logs for every registry change it applies. Prints
p50, p95 and max; the target is at most 1 s.
"""

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.contracts.eval_run import EvalRunRecord
from shared.eval_runs import EvalRunStore
from shared.golden import dataset_hash
from tests.support.registry_harness import PromptWatcher, derived_prompt, private_registry

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


class RuntimeLogWatcher:
    """The running runtime process (started by `mailspine up`) as the observer: it logs every registry change it
    applies, with the wall-clock time (`registry change applied: prompt=P production=V ... at=EPOCH`)."""

    def __init__(self, prompt: str) -> None:
        from shared.settings import PathSettings

        self.log = PathSettings().home / "log" / "service-runtime.log"
        if not self.log.exists():
            raise SystemExit(f"{self.log} does not exist: start the runtime first (`mailspine up`)")
        self.pattern = re.compile(rf"registry change applied: prompt={re.escape(prompt)} production=(\S+) "
                                  r"canary=\S+ at=([\d.]+)")
        self.handle = self.log.open(encoding="utf-8", errors="replace")
        self.handle.seek(0, 2)  # only what the runtime logs from now on

    def until(self, condition: Callable[[dict[str, Any]], bool], timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.handle.readline()
            if not line:
                time.sleep(0.002)
                continue
            found = self.pattern.search(line)
            if found:
                seen = {"version": found.group(1), "t": float(found.group(2))}
                if condition(seen):
                    return seen
        raise TimeoutError(f"the runtime logged no matching registry change within {timeout:.0f}s")

    def next_line(self, timeout: float = 60.0) -> dict:
        return self.until(lambda _: True, timeout)

    def stop(self) -> None:
        self.handle.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(changes: int, observer: str = "client") -> list[tuple[float, float]]:
    with tempfile.TemporaryDirectory() as folder, private_registry(Path(folder), "bench") as registry:
        stable, candidate = derived_prompt(registry.prompt, "1.0.0"), derived_prompt(registry.prompt, "1.1.0", " v2")
        assert registry.call("POST", "/v1/prompts", "editor",
                             candidate.model_dump(mode="json", by_alias=True)).status_code == 201
        EvalRunStore(registry.eval_runs_dir).save(_gate_fixture(candidate.content_hash or "",
                                                                stable.content_hash or "", registry.prompt))
        delays = []
        if observer == "runtime":
            watcher: RuntimeLogWatcher | PromptWatcher = RuntimeLogWatcher(registry.prompt)
            current = "1.0.0"  # the private registry's bootstrap set production to its first version
        else:
            watcher = PromptWatcher(registry)
        try:
            if observer != "runtime":
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
                def reached(line: dict[str, Any], target: str = target) -> bool:
                    return bool(line["version"] == target)

                seen = watcher.until(reached, timeout=30)
                delays.append((max(0.0, seen["t"] - returned), seen["t"] - sent))
                current = target
        finally:
            watcher.stop()
        return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--observer", choices=("client", "runtime"), default="client",
                        help="client: a separate process with a PromptClient; runtime: the running runtime service")
    args = parser.parse_args()
    measured = run(args.changes, args.observer)
    after_response = [m[0] * 1000 for m in measured]
    after_request = [m[1] * 1000 for m in measured]
    print(f"{len(measured)} promotions/rollbacks; when the {args.observer} process saw the new version:")
    for title, ms in (("after the API response", after_response), ("after the API request was sent", after_request)):
        print(f"  {title:<32} p50 {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 0.95):7.1f} ms   "
              f"max {max(ms):7.1f} ms")
    print(f"  (seen before the response returned: {sum(m[0] == 0 for m in measured)} of {len(measured)}; the registry "
          "answers once its own follower has read the change back)")
    worst = max(after_response) / 1000
    verdict = "met" if worst <= TARGET_SECONDS else "NOT met"
    print(f"  target <= {TARGET_SECONDS * 1000:.0f} ms after the response: {verdict}")


if __name__ == "__main__":
    main()
