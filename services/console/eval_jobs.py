"""Offline evals started from the console: one asyncio task per candidate, one eval at a time in this process
(they are CPU- and model-bound), progress counted from the model requests, the run record saved for the gate."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx
import openai

from shared.eval_runs import EvalRunStore
from shared.prompts.artifact import PromptArtifact

if TYPE_CHECKING:
    from offline_eval.candidate_eval import EvalOutcome
    from offline_eval.golden_mail import PreparedMail

logger = logging.getLogger("mailspine.console.eval")
JobState = Literal["queued", "preparing", "running", "done", "failed"]
SPLIT: Literal["all"] = "all"  # the gate needs the whole golden dataset
KEEP_FINISHED = 20  # an outcome holds every mail's run; older ones are still on record in the run store


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
    outcome: "EvalOutcome | None" = None
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


def default_model_client() -> openai.AsyncOpenAI:
    from shared.llm import LlmSettings, build_async_client

    # LlmSettings.load() picks a real endpoint from OPENAI_* or else the local reference model server
    return build_async_client(LlmSettings.load())


class EvalJobs:
    def __init__(self, store: EvalRunStore | None = None, *, concurrency: int = 8,
                 model_client: Callable[[], openai.AsyncOpenAI] = default_model_client) -> None:
        self.store = store or EvalRunStore()
        self.concurrency = concurrency
        self.model_client = model_client
        self._jobs: list[EvalJob] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()
        self._mails: tuple[str, list[PreparedMail]] | None = None  # (dataset hash, prepared mails)

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

    async def _prepared_mails(self) -> list["PreparedMail"]:
        from offline_eval.candidate_eval import prepare_dataset
        from shared.golden import dataset_hash

        current = await asyncio.to_thread(dataset_hash)
        if self._mails is None or self._mails[0] != current:
            self._mails = (current, await asyncio.to_thread(prepare_dataset, SPLIT))
        return self._mails[1]

    async def _run(self, job: EvalJob, candidate: PromptArtifact, baseline: PromptArtifact | None) -> None:
        from offline_eval.candidate_eval import evaluate_candidate

        try:
            async with self._one_at_a_time:
                job.state = "preparing"
                mails = await self._prepared_mails()
                runs = 1 if baseline is None or baseline.content_hash == candidate.content_hash else 2
                job.requests_expected = runs * sum(1 for mail in mails if mail.content is not None)
                job.state = "running"
                client = await self._counting_client(job)
                try:
                    outcome = await evaluate_candidate(client, candidate, baseline, mails, SPLIT, self.concurrency)
                finally:
                    await client.close()
                await asyncio.to_thread(self.store.save, outcome.record)
                job.outcome, job.state = outcome, "done"
                logger.info("eval of %s vs %s: %s (run %s)", candidate.ref, job.baseline_version or "no baseline",
                            outcome.record.verdict, outcome.record.run_id)
        except asyncio.CancelledError:
            job.state, job.error = "failed", "the console stopped before the eval finished"
            raise
        except Exception as exc:
            logger.exception("eval of %s failed", candidate.ref)
            job.state, job.error = "failed", _explain(exc)
        finally:
            job.finished_at = time.monotonic()

    async def _counting_client(self, job: EvalJob) -> openai.AsyncOpenAI:
        async def count(response: httpx.Response) -> None:
            if response.request.url.path.endswith("/chat/completions"):
                job.requests_done += 1

        base = self.model_client()
        # openai's annotation names its own vendored httpx; at run time it takes an httpx client
        counting = base.copy(http_client=httpx.AsyncClient(event_hooks={"response": [count]}))  # type: ignore[arg-type]
        await base.close()  # the copy has its own HTTP client
        return counting


def _explain(exc: Exception) -> str:
    if isinstance(exc, openai.APIConnectionError):
        return f"the model endpoint does not answer ({exc}); start it with `mailspine up`"
    return f"{type(exc).__name__}: {exc}"
