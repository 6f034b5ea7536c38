"""A PromptClient in another process follows the registry through Kafka, and outlives the registry process."""

import os
import signal
from pathlib import Path

from infra.process import read_pid
from shared.eval_runs import EvalRunStore
from shared.golden import dataset_hash
from tests.support.registry_builders import eval_run
from tests.support.registry_harness import PromptWatcher, derived_prompt, private_registry


def test_a_client_follows_promotion_and_rollback_and_serves_stale_when_the_registry_is_killed(
        infrastructure: None, tmp_path: Path) -> None:
    with private_registry(tmp_path / "registry", "client") as registry:
        candidate = derived_prompt(registry.prompt, "1.1.0", " Keep requested_action short.")
        assert registry.call("POST", "/v1/prompts", "editor",
                             candidate.model_dump(mode="json", by_alias=True)).status_code == 201
        EvalRunStore(registry.eval_runs_dir).save(eval_run(candidate, derived_prompt(registry.prompt, "1.0.0"),
                                                           dataset_hash()))
        promote = registry.call("POST", f"/v1/prompts/{registry.prompt}/promote", "rel.manager",
                                {"version": "1.1.0", "label": "production", "reason": "passed the offline gate"})
        assert promote.status_code == 200, promote.text

        watcher = PromptWatcher(registry, routing_key="dana@northwind.example",
                                env={"MAILSPINE_PROMPTS_STALE_AFTER_SECONDS": "1"})
        try:
            ready = watcher.next_line()
            assert (ready["event"], ready["version"], ready["stale"]) == ("ready", "1.1.0", False)
            assert ready["content_hash"] == candidate.content_hash

            rollback = registry.call("POST", f"/v1/prompts/{registry.prompt}/rollback", "ana.kovacs",
                                     {"label": "production", "reason": "customers find replies too terse"})
            assert rollback.status_code == 200
            assert watcher.until(lambda line: line["version"] == "1.0.0")["stale"] is False

            pid = read_pid(registry.pid_file)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)  # the registry we started, by its PID
            stale = watcher.until(lambda line: line["stale"])
            assert (stale["version"], stale["arm"]) == ("1.0.0", "stable")  # still serving the last known version
        finally:
            watcher.stop()
