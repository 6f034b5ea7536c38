"""Reference model: CPU ms per chat completion, in process and over HTTP, on the requests the agent really sends.

The requests are captured from the offline evaluation (extraction, planning with the critic, and the judge over
golden mails, all against the in-process reference model), so they carry the real prompts, tools and schemas.
``--check FILE`` compares every answer (its ``created`` time aside) with the answers saved by ``--save FILE``, so a
speed-up that changes one byte of one answer shows.

    uv run python -m benchmarks.reference_model_cpu [--mails 60] [--repeat 3] [--save answers.jsonl | --check ...]
    /work/bin/stack-run uv run python -m benchmarks.reference_model_cpu --http    # also through the HTTP server
"""

import argparse
import asyncio
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from offline_eval import in_process_model
from offline_eval.in_process_model import InProcessReferenceModel
from standins.reference_model.completion import complete


def capture(mails: int) -> list[dict[str, Any]]:
    """Every request body the offline extraction, planning and judge evaluations send for ``mails`` golden mails."""
    from offline_eval.action_eval import plan_all
    from offline_eval.action_run import AgentSetup
    from offline_eval.candidate_eval import prepare_dataset
    from offline_eval.judge_agreement import evaluate_judge
    from offline_eval.runner import run_prompt
    from services.runtime.critic import CRITIC_PROMPT, load_policy
    from shared.prompts import PromptLibrary

    bodies: list[dict[str, Any]] = []

    def recording(body: dict[str, Any]) -> dict[str, Any]:
        bodies.append(copy.deepcopy(body))
        return complete(body)

    setattr(in_process_model, "complete", recording)  # noqa: B010 - the module global the model calls
    library = PromptLibrary()
    prepared = prepare_dataset("all", mails)
    client = InProcessReferenceModel().client
    extractor, planner = library.latest("extract-email"), library.latest("plan-actions")

    async def agent() -> None:
        extracted = await run_prompt(client, extractor, prepared, 8)
        await plan_all(client, AgentSetup(planner, library.latest(CRITIC_PROMPT)), extracted, load_policy(), 8)

    asyncio.run(agent())
    asyncio.run(evaluate_judge(client, library.latest("judge-extraction"), None, extractor, prepared, "all"))
    setattr(in_process_model, "complete", complete)  # noqa: B010
    return bodies


def kind(body: dict[str, Any]) -> str:
    if body.get("tools"):
        return "tools"
    schema = ((body.get("response_format") or {}).get("json_schema") or {})
    return f"schema:{schema.get('name', '?')}" if schema else "text"


def in_process(bodies: list[dict[str, Any]], repeat: int) -> tuple[float, list[dict[str, Any]]]:
    """CPU ms per call of ``complete`` alone; and its answers."""
    answers = [complete(body) for body in bodies]  # warm: caches and lazy imports are not the per-call cost
    started = time.process_time()
    for _ in range(repeat):
        for body in bodies:
            complete(body)
    return 1000 * (time.process_time() - started) / (repeat * len(bodies)), answers


def over_http(bodies: list[dict[str, Any]], repeat: int, port: int, concurrency: int = 8) -> float:
    """CPU ms per call of the whole server process (HTTP, JSON, threads), the way the services call it."""
    from infra.process import start_daemon, stop_daemon
    from shared.llm import reference_api_key
    from shared.settings import REPO_ROOT, PathSettings

    paths = PathSettings()
    pid_file = paths.home / "run" / f"bench-reference-model-{port}.pid"
    pid = start_daemon("reference-model-bench", [sys.executable, "-m", "standins.reference_model", "--port",
                                                 str(port)], pid_file=pid_file,
                       log_file=paths.home / "log" / "bench-reference-model.log", cwd=REPO_ROOT)
    try:
        for _ in range(240):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        headers = {"Authorization": f"Bearer {reference_api_key()}"}
        process = psutil.Process(pid)

        async def send_all(times: int) -> None:
            limit = asyncio.Semaphore(concurrency)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/v1", headers=headers,
                                         timeout=60) as client:
                async def one(body: dict[str, Any]) -> None:
                    async with limit:
                        (await client.post("/chat/completions", json=body)).raise_for_status()
                await asyncio.gather(*(one(b) for _ in range(times) for b in bodies))

        asyncio.run(send_all(1))  # warm-up
        before = process.cpu_times()
        asyncio.run(send_all(repeat))
        after = process.cpu_times()
        spent = (after.user - before.user) + (after.system - before.system)
        return 1000 * spent / (repeat * len(bodies))
    finally:
        stop_daemon(pid_file)


def comparable(answer: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in answer.items() if k != "created"}, sort_keys=True, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=60, help="golden mails whose requests are captured")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bodies", type=Path, help="the captured requests: read from here if it exists, else "
                        "captured and written here")
    parser.add_argument("--profile", action="store_true", help="print where the in-process time goes (cProfile)")
    parser.add_argument("--save", type=Path, help="write the answers here")
    parser.add_argument("--check", type=Path, help="compare the answers with the ones saved here")
    parser.add_argument("--http", action="store_true", help="also measure a server process (starts one)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: the model's own + 7)")
    args = parser.parse_args()
    from tests.support.isolated_stack import isolate_test_stack

    isolate_test_stack()  # the test stack's home and ports (MAILSPINE_TEST_PORT_BASE), never `make up`'s
    if args.bodies and args.bodies.exists():
        bodies = [json.loads(line) for line in args.bodies.read_text().splitlines()]
    else:
        bodies = capture(args.mails)
        if args.bodies:
            args.bodies.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies))
    kinds: dict[str, int] = {}
    for body in bodies:
        kinds[kind(body)] = kinds.get(kind(body), 0) + 1
    print(f"{len(bodies)} requests captured from {args.mails} golden mails: {kinds}")
    ms, answers = in_process(bodies, args.repeat)
    print(f"in process: {ms:.2f} CPU ms per completion")
    for name in sorted(kinds):
        chosen = [b for b in bodies if kind(b) == name]
        print(f"  {name:<32} {in_process(chosen, args.repeat)[0]:.2f} CPU ms per completion")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(in_process, bodies, 1)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    if args.save:
        args.save.write_text("".join(comparable(a) + "\n" for a in answers))
    if args.check:
        expected = args.check.read_text().splitlines()
        differing = [i for i, (a, e) in enumerate(zip(answers, expected, strict=True)) if comparable(a) != e]
        print(f"answers identical to {args.check}: {len(answers) - len(differing)}/{len(answers)}"
              + (f"; first differing request {differing[0]}" if differing else ""))
    if args.http:
        from shared.llm import ReferenceModelSettings

        port = args.port or ReferenceModelSettings().port + 7
        print(f"over HTTP (one server process, 8 requests in flight): "
              f"{over_http(bodies, args.repeat, port):.2f} CPU ms per completion")


if __name__ == "__main__":
    main()
