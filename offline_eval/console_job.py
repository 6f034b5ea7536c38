"""One offline eval for the prompt console, in a process of its own: ``python -m offline_eval.console_job``.

The console is a service and imports only ``shared/``; the eval runs the gateway's and runtime's code path, so
it runs here. Candidate and baseline arrive as artifact JSON files; progress goes to stdout as JSON lines
(``state``, ``expected``, ``progress``, then ``done`` with the run id, or ``failed`` with the reason), and the run
record is saved where the registry's promotion gate reads it.
"""

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Literal

import httpx
import openai

from offline_eval.action_eval import ACTION_PROMPTS, PLANNING_REQUESTS_PER_MAIL, ActionEvalOutcome, evaluate_actions
from offline_eval.candidate_eval import EvalOutcome, evaluate_candidate, prepare_dataset
from shared.eval_runs import EvalRunStore
from shared.llm import LlmSettings, build_async_client
from shared.prompts import PromptLibrary
from shared.prompts.artifact import PromptArtifact, parse_artifact

SPLIT: Literal["all"] = "all"  # the gate needs the whole golden dataset


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def _load(path: Path) -> PromptArtifact:
    return parse_artifact(json.loads(path.read_text(encoding="utf-8")), str(path))


def _counting_client(base: openai.AsyncOpenAI) -> openai.AsyncOpenAI:
    done = 0

    async def count(response: httpx.Response) -> None:
        nonlocal done
        if response.request.url.path.endswith("/chat/completions"):
            done += 1
            emit("progress", requests_done=done)

    # openai's annotation names its own vendored httpx; at run time it takes an httpx client
    return base.copy(http_client=httpx.AsyncClient(event_hooks={"response": [count]}))  # type: ignore[arg-type]


async def run(candidate: PromptArtifact, baseline: PromptArtifact | None, concurrency: int) -> str:
    emit("state", state="preparing")
    mails = await asyncio.to_thread(prepare_dataset, SPLIT)
    runs = 1 if baseline is None or baseline.content_hash == candidate.content_hash else 2
    per_mail = PLANNING_REQUESTS_PER_MAIL if candidate.name in ACTION_PROMPTS else 1
    emit("expected", requests=runs * per_mail * sum(1 for mail in mails if mail.content is not None))
    emit("state", state="running")
    base = build_async_client(LlmSettings.load())
    client = _counting_client(base)
    await base.close()  # the copy has its own HTTP client
    outcome: EvalOutcome | ActionEvalOutcome
    try:
        if candidate.name in ACTION_PROMPTS:  # graded on the agent's actions, with the newest extraction and planner
            library = PromptLibrary()
            outcome = await evaluate_actions(client, candidate, baseline, library.latest("extract-email"),
                                             library.latest("plan-actions"), mails, SPLIT, concurrency)
        else:
            outcome = await evaluate_candidate(client, candidate, baseline, mails, SPLIT, concurrency)
    finally:
        await client.close()
    await asyncio.to_thread(EvalRunStore().save, outcome.record)
    emit("done", run_id=outcome.record.run_id, verdict=outcome.record.verdict, by_split=outcome.by_split)
    return outcome.record.run_id


def explain(exc: Exception) -> str:
    if isinstance(exc, openai.APIConnectionError):
        return f"the model endpoint does not answer ({exc}); start it with `mailspine up`"
    return f"{type(exc).__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline_eval.console_job", description=__doc__)
    parser.add_argument("--candidate", type=Path, required=True, help="the candidate artifact, as JSON")
    parser.add_argument("--baseline", type=Path, help="the baseline artifact, as JSON (none: no comparison)")
    parser.add_argument("--concurrency", type=int, default=8, help="model requests in flight")
    args = parser.parse_args(argv)
    try:
        baseline = _load(args.baseline) if args.baseline else None
        asyncio.run(run(_load(args.candidate), baseline, args.concurrency))
    except Exception as exc:  # the console shows why; the traceback goes to stderr
        emit("failed", reason=explain(exc))
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
