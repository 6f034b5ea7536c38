"""Offline eval benchmark: the time to evaluate the whole golden dataset with the production prompt, split into
preparing the mails (the gateway's content stages) and the model calls, at two concurrency settings.

Run: uv run python -m benchmarks.offline_eval_bench   (starts or reuses the model endpoint)
"""

import asyncio
import statistics
import time

from offline_eval.candidate_eval import EvalOutcome, evaluate_candidate, prepare_dataset
from offline_eval.golden_mail import PreparedMail
from shared.llm import LlmSettings, build_async_client
from shared.prompts import PromptArtifact, PromptLibrary


async def _one_run(settings: LlmSettings, artifact: PromptArtifact, mails: list[PreparedMail],
                   concurrency: int) -> EvalOutcome:
    async with build_async_client(settings) as client:
        return await evaluate_candidate(client, artifact, None, mails, "all", concurrency)


def main() -> None:
    from infra.stack import ensure_model_endpoint

    settings = LlmSettings.load()
    ensure_model_endpoint(settings)
    artifact = PromptLibrary().latest("extract-email")
    started = time.perf_counter()
    mails = prepare_dataset("all")
    prepare_s = time.perf_counter() - started
    print(f"prepared {len(mails)} golden mails through the gateway's content stages in {prepare_s:.1f}s")
    for concurrency in (1, 8):
        walls = []
        for _ in range(3):
            started = time.perf_counter()
            outcome = asyncio.run(_one_run(settings, artifact, mails, concurrency))
            walls.append(time.perf_counter() - started)
        metrics = outcome.record.metrics
        print(f"concurrency {concurrency}: model calls for {len(mails)} mails, median of 3 runs "
              f"{statistics.median(walls):.1f}s (min {min(walls):.1f}s, max {max(walls):.1f}s); "
              f"per-call latency p50 {metrics['latency_ms_p50']:.1f} ms, p95 {metrics['latency_ms_p95']:.1f} ms")
    total = prepare_s + statistics.median(walls)
    print(f"whole eval of {len(mails)} mails at concurrency 8 (prepare + one prompt): {total:.1f}s "
          f"(target: under 120 s); a candidate-vs-baseline run calls the model twice: "
          f"{prepare_s + 2 * statistics.median(walls):.1f}s; model endpoint {settings.base_url}")


if __name__ == "__main__":
    main()
