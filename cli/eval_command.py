"""`mailspine eval`: the offline gate. Exit 0 when the candidate is at least as good as the baseline, 1 when not."""

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from shared.errors import UserError
from shared.prompts import ArtifactError, PromptArtifact, PromptLibrary
from shared.prompts.artifact import SEMVER

if TYPE_CHECKING:  # the offline evaluation is imported when a command needs it: `mailspine --help` stays fast
    import openai

    from offline_eval.action_eval import ActionEvalOutcome
    from offline_eval.candidate_eval import EvalOutcome
    from offline_eval.golden_mail import PreparedMail
    from offline_eval.judge_agreement import JudgeEvalOutcome

DEFAULT_PROMPT = "extract-email"
EXTRACTION_PROMPT = "extract-email"  # what a judge prompt grades, and what gives the planner its facts
LABELS = ("production", "canary", "staging")


def _split_ref(ref: str) -> tuple[str, str | None]:
    name, _, version = ref.partition("@")
    return name, version or None


def candidate_artifact(library: PromptLibrary, ref: str | None) -> PromptArtifact:
    name, version = _split_ref(ref or DEFAULT_PROMPT)
    return library.latest(name) if version is None else version_artifact(library, name, version)


def version_artifact(library: PromptLibrary, name: str, version: str) -> PromptArtifact:
    """From prompts/ when the file is there, else from the registry (a draft saved in the console)."""
    try:
        return library.get(name, version)
    except ArtifactError:
        return registry_artifact(name, version=version)


def baseline_artifact(library: PromptLibrary, name: str, spec: str) -> PromptArtifact | None:
    if spec == "none":
        return None
    if SEMVER.match(spec):
        return version_artifact(library, name, spec)
    if spec == "main":
        from offline_eval.changed_prompts import artifacts_on, base_ref

        on_main = artifacts_on(base_ref(), name)
        if not on_main:
            return None  # a new prompt: only the absolute floors apply
        return on_main[-1]
    if spec in LABELS:
        return registry_artifact(name, label=spec)
    raise UserError(f"--baseline {spec!r}: give a label ({', '.join(LABELS)}), a version such as 1.0.0, "
                    "'main' (the newest version committed on main) or 'none'")


def registry_artifact(name: str, version: str | None = None, label: str | None = None) -> PromptArtifact:
    from cli.prompts_command import fetch_artifact

    artifact: PromptArtifact = fetch_artifact(name, version=version, label=label)
    return artifact


def cmd_eval(args: argparse.Namespace) -> None:
    from infra.stack import ensure_model_endpoint
    from offline_eval.action_eval import ACTION_PROMPTS
    from offline_eval.candidate_eval import prepare_dataset
    from offline_eval.judge_report import judge_table
    from offline_eval.report import comparison_table
    from services.evaluator.scoring.judge import is_judge_prompt
    from shared.eval_runs import EvalRunStore
    from shared.llm import LlmSettings, build_async_client

    try:
        library = PromptLibrary()
        candidate = candidate_artifact(library, args.candidate)
        baseline = baseline_artifact(library, candidate.name, args.baseline)
    except ArtifactError as error:
        raise UserError(str(error)) from None
    plans = candidate.name in ACTION_PROMPTS
    extractor = _extractor(library, args.extractor) if is_judge_prompt(candidate) or plans else None
    settings = LlmSettings.load()
    ensure_model_endpoint(settings)
    print(f"preparing {args.split} golden mails through the gateway's content stages", file=sys.stderr)
    mails = prepare_dataset(args.split, args.limit)
    outcome: EvalOutcome | JudgeEvalOutcome | ActionEvalOutcome
    if plans and extractor is not None:
        from offline_eval.action_report import action_table

        planner = library.latest(ACTION_PROMPTS[0])
        outcome = asyncio.run(_plan(build_async_client(settings), candidate, baseline, extractor, planner, mails,
                                    args))
        print("\n".join(action_table(outcome)))
    elif extractor is not None:
        outcome = asyncio.run(_judge(build_async_client(settings), candidate, baseline, extractor, mails, args))
        print("\n".join(judge_table(outcome)))
    else:
        outcome = asyncio.run(_evaluate(build_async_client(settings), candidate, baseline, mails, args))
        print("\n".join(comparison_table(outcome)))
    if args.limit is None:
        path = EvalRunStore().save(outcome.record)
        print(f"run record: {path}")
    else:
        print("run record: not written (--limit evaluates a subset; the promotion gate needs the whole split)")
    if not outcome.record.passed:
        raise SystemExit(1)


async def _evaluate(client: "openai.AsyncOpenAI", candidate: PromptArtifact, baseline: PromptArtifact | None,
                    mails: "list[PreparedMail]", args: argparse.Namespace) -> "EvalOutcome":
    from offline_eval.candidate_eval import evaluate_candidate

    async with client:
        return await evaluate_candidate(client, candidate, baseline, mails, args.split, args.concurrency)


def _extractor(library: PromptLibrary, spec: str) -> PromptArtifact:
    """The extraction prompt whose outputs a judge prompt is evaluated on."""
    try:
        extractor = baseline_artifact(library, EXTRACTION_PROMPT, spec)
    except ArtifactError as error:
        raise UserError(str(error)) from None
    if extractor is None:
        raise UserError(f"--extractor {spec!r} names no {EXTRACTION_PROMPT} version; a judge is evaluated on the "
                        "extractions of one (give a label, a version or 'main')")
    return extractor


async def _judge(client: "openai.AsyncOpenAI", candidate: PromptArtifact, baseline: PromptArtifact | None,
                 extractor: PromptArtifact, mails: "list[PreparedMail]",
                 args: argparse.Namespace) -> "JudgeEvalOutcome":
    from offline_eval.judge_agreement import evaluate_judge

    async with client:
        return await evaluate_judge(client, candidate, baseline, extractor, mails, args.split, args.concurrency)


async def _plan(client: "openai.AsyncOpenAI", candidate: PromptArtifact, baseline: PromptArtifact | None,
                extractor: PromptArtifact, planner: PromptArtifact, mails: "list[PreparedMail]",
                args: argparse.Namespace) -> "ActionEvalOutcome":
    from offline_eval.action_eval import evaluate_actions

    async with client:
        return await evaluate_actions(client, candidate, baseline, extractor, planner, mails, args.split,
                                      args.concurrency)


def register(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser("eval", help="offline gate: a prompt version against what is live; exit 1 if worse")
    evaluate.add_argument("--candidate", help=f"NAME@VERSION (default: the newest {DEFAULT_PROMPT} in prompts/)")
    evaluate.add_argument("--baseline", default="production",
                          help="a registry label (production, canary, staging), a version, 'main' or 'none'")
    evaluate.add_argument("--split", choices=("all", "dev", "heldout"), default="all",
                          help="which golden mails (default all; the promotion gate reads runs on all)")
    evaluate.add_argument("--concurrency", type=int, default=8, help="model calls in flight")
    evaluate.add_argument("--limit", type=int, help="only the first N mails (a smoke run; no run record)")
    evaluate.add_argument("--extractor", default="main",
                          help=f"for a judge prompt, plan-actions or critic-action: which {EXTRACTION_PROMPT} "
                               "produces the extractions it grades or plans from, as --baseline takes it (default "
                               "'main': the newest version committed on main)")
    evaluate.set_defaults(run=cmd_eval)
