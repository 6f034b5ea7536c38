"""Offline evals started from the console: one child process per candidate (``python -m offline_eval.console_job``:
the eval runs the gateway's and runtime's code, which a service does not import), one eval at a time (they are
CPU- and model-bound), progress read from the child's JSON lines, the run record saved by the child for the gate."""

import asyncio
import json
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from services.console.eval_view import Figures
from shared.contracts.eval_run import EvalRunRecord
from shared.eval_runs import EvalRunStore
from shared.prompts.artifact import PromptArtifact
from shared.settings import REPO_ROOT

logger = logging.getLogger("mailspine.console.eval")
JobState = Literal["queued", "preparing", "running", "done", "failed"]
KEEP_FINISHED = 20  # a finished job holds its per-split figures; older ones are still on record in the run store


@dataclass
class EvalJob:
    prompt: str
    candidate_version: str
    candidate_hash: str
    baseline_version: str | None
    baseline_hash: str | None
    started_by: str
    state: JobState = "queued"
    requests_done: int = 0
    requests_expected: int = 0
    error: str | None = None
    record: EvalRunRecord | None = None
    by_split: Figures = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)
    finished_at: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "preparing", "running")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        if not self.requests_expected:
            return 0
        return min(99, int(100 * self.requests_done / self.requests_expected))  # retries may overshoot

    @property
    def elapsed_seconds(self) -> float:
        return (self.finished_at or time.monotonic()) - self.started_at


class EvalJobs:
    def __init__(self, store: EvalRunStore | None = None, *, concurrency: int = 8) -> None:
        self.store = store or EvalRunStore()
        self.concurrency = concurrency
        self._jobs: list[EvalJob] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()

    def start(self, candidate: PromptArtifact, baseline: PromptArtifact | None, started_by: str) -> EvalJob:
        """Start an eval of ``candidate`` against ``baseline``, unless that exact comparison is already under way."""
        for job in self._jobs:
            if job.active and (job.candidate_hash, job.baseline_hash) == (
                    candidate.content_hash, baseline.content_hash if baseline else None):
                return job
        job = EvalJob(prompt=candidate.name, candidate_version=candidate.version,
                      candidate_hash=candidate.content_hash or "", started_by=started_by,
                      baseline_version=baseline.version if baseline else None,
                      baseline_hash=baseline.content_hash if baseline else None)
        finished = [j for j in self._jobs if not j.active]
        for old in finished[:max(0, len(finished) - KEEP_FINISHED + 1)]:
            self._jobs.remove(old)
        self._jobs.append(job)
        task = asyncio.create_task(self._run(job, candidate, baseline), name=f"eval {candidate.ref}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def latest(self, prompt: str, candidate_hash: str) -> EvalJob | None:
        matching = [job for job in self._jobs if job.prompt == prompt and job.candidate_hash == candidate_hash]
        return matching[-1] if matching else None

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, job: EvalJob, candidate: PromptArtifact, baseline: PromptArtifact | None) -> None:
        try:
            async with self._one_at_a_time:
                job.state = "preparing"
                with tempfile.TemporaryDirectory(prefix="mailspine-eval-") as folder:
                    await self._run_child(job, _artifact_args(Path(folder), candidate, baseline))
                # _run_child moves job.state on; the checker still assumes the "preparing" set above
                if job.state != "done":  # type: ignore[comparison-overlap]
                    job.state = "failed"
                    job.error = job.error or "the eval process ended without a result (see the console's log)"
        except asyncio.CancelledError:
            job.state, job.error = "failed", "the console stopped before the eval finished"
            raise
        except Exception as exc:  # the page shows why; the log keeps the traceback
            logger.exception("eval of %s failed", candidate.ref)
            job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished_at = time.monotonic()

    async def _run_child(self, job: EvalJob, artifact_args: list[str]) -> None:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "offline_eval.console_job", *artifact_args, "--concurrency", str(self.concurrency),
            cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stderr = asyncio.create_task(_read_all(child.stderr))
        try:
            assert child.stdout is not None
            async for line in child.stdout:
                self._apply(job, json.loads(line))
            await child.wait()
        except asyncio.CancelledError:
            child.kill()
            await child.wait()
            raise
        if child.returncode != 0:
            logger.error("eval of %s@%s exited %s: %s", job.prompt, job.candidate_version, child.returncode,
                         (await stderr)[-4000:])

    def _apply(self, job: EvalJob, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "state":
            job.state = event["state"]
        elif kind == "expected":
            job.requests_expected = int(event["requests"])
        elif kind == "progress":
            job.requests_done = int(event["requests_done"])
        elif kind == "failed":
            job.state, job.error = "failed", str(event["reason"])
        elif kind == "done":
            job.record = self.store.load(job.prompt, str(event["run_id"]))
            job.by_split = {split: (pair[0], pair[1]) for split, pair in event["by_split"].items()}
            job.state = "done"
            logger.info("eval of %s@%s vs %s: %s (run %s)", job.prompt, job.candidate_version,
                        job.baseline_version or "no baseline", job.record.verdict, job.record.run_id)


def _artifact_args(folder: Path, candidate: PromptArtifact, baseline: PromptArtifact | None) -> list[str]:
    args = []
    for flag, artifact in (("--candidate", candidate), ("--baseline", baseline)):
        if artifact is not None:
            path = folder / f"{flag.strip('-')}.json"
            path.write_text(artifact.model_dump_json(by_alias=True), encoding="utf-8")
            args += [flag, str(path)]
    return args


async def _read_all(stream: asyncio.StreamReader | None) -> str:
    return (await stream.read()).decode(errors="replace") if stream is not None else ""
