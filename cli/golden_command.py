"""`mailspine golden ...`: the queue of reviewer corrections proposed for the golden dataset; a person approves or
rejects each one. An approval appends the mail to data/golden/part-candidates.jsonl and so changes the
dataset's version: the approver updates data/golden/DATASHEET.md and commits.
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar, get_args

from services.evaluator.golden.queue import CANDIDATES_PART, STATUSES, GoldenCandidateQueue, with_stand_ins
from services.evaluator.settings import EvaluatorSettings
from shared.contracts.golden import Attack, Category
from shared.contracts.golden_candidate import GoldenCandidate
from shared.errors import RetryLater, UserError
from shared.golden import GOLDEN_DIR, dataset_hash
from shared.pii_placeholders import PII_PLACEHOLDER
from shared.settings import RedisSettings

T = TypeVar("T")
ATTACK_KINDS = get_args(Attack.model_fields["kind"].annotation)


def _with_queue(args: argparse.Namespace, work: Callable[[GoldenCandidateQueue], Awaitable[T]]) -> T:
    # the queue is the evaluator's: the command acts with the evaluator's Redis user
    settings = RedisSettings.for_user(EvaluatorSettings().service_name)

    async def run() -> T:
        redis = settings.client()
        try:
            return await work(GoldenCandidateQueue(redis, golden_dir=args.golden_dir))
        finally:
            await redis.aclose()

    try:
        return asyncio.run(run())
    except RetryLater:
        raise UserError(f"Redis at {settings.host}:{settings.port} does not answer; start it with `mailspine up`"
                        ) from None


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return "(none)" if value is None else str(value)


def corrections_table(candidate: GoldenCandidate) -> list[str]:
    width = max(len(c.field) for c in candidate.corrections)
    lines = [f"  {'field':<{width}}  before  ->  after"]
    for correction in candidate.corrections:
        lines.append(f"  {correction.field:<{width}}  {_cell(correction.before)}  ->  {_cell(correction.after)}")
        if isinstance(correction.before, list):
            removed = [v for v in correction.before if v not in correction.after]
            added = [v for v in correction.after if v not in correction.before]
            lines.append(f"  {'':<{width}}  removed: {_cell(removed)}; added: {_cell(added)}")
    return lines


def cmd_candidates(args: argparse.Namespace) -> None:
    candidates = _with_queue(args, lambda queue: queue.list(args.status, args.limit))
    if not candidates:
        print("no golden candidates" if args.status == "all" else f"no {args.status} golden candidates")
        return
    print(f"{'candidate':<24} {'status':<9} {'created':<17} {'tenant':<12} {'reviewer':<16} {'prompt':<24} "
          f"{'decided':<18} fields corrected")
    for c in candidates:
        decided = f"{c.decided_by} {c.golden_id or ''}".strip() if c.decided_by else "-"
        print(f"{c.candidate_id:<24} {c.status:<9} {c.created_at:%Y-%m-%d %H:%M} {c.tenant:<12} {c.reviewer:<16} "
              f"{c.prompt + '@' + c.prompt_version:<24} {decided:<18} {', '.join(x.field for x in c.corrections)}")


def cmd_show(args: argparse.Namespace) -> None:
    candidate = _with_queue(args, lambda queue: queue.get(args.candidate_id))
    if candidate is None:
        raise UserError(f"no golden candidate {args.candidate_id!r}; `mailspine golden candidates` lists them")
    c = candidate
    print(f"{c.candidate_id}  {c.status}  mail {c.mail_id}  tenant {c.tenant}  trace {c.trace_id}")
    print(f"prompt {c.prompt}@{c.prompt_version}  corrected by {c.reviewer} at {c.created_at:%Y-%m-%d %H:%M} UTC")
    if c.decided_by:
        golden = f"  as {c.golden_id}" if c.golden_id else ""
        note = f"  note: {c.decision_note}" if c.decision_note else ""
        print(f"{c.status} by {c.decided_by} at {c.decided_at:%Y-%m-%d %H:%M} UTC{golden}{note}")
    print("\ncorrections")
    print("\n".join(corrections_table(c)))
    print(f"\nfrom:     {c.sender}\nsubject:  {c.subject}\nreceived: {c.received_date}\n\n{c.body}")
    placeholders = sorted({m.group(0) for m in PII_PLACEHOLDER.finditer(f"{c.sender}\n{c.subject}\n{c.body}")})
    if placeholders:
        print("\nplaceholders stand for personal data; an approval writes fictional stand-ins instead:")
        print("\n".join(f"  {p} -> {_stand_in_or_why(p)}" for p in placeholders))


def _stand_in_or_why(placeholder: str) -> str:
    try:
        return with_stand_ins(placeholder)
    except UserError as error:
        return f"(none: {error})"


def _attack(args: argparse.Namespace) -> Attack | None:
    if (args.attack is None) != (args.safe_behaviour is None):
        raise UserError("an attack needs both --attack KIND and --safe-behaviour TEXT")
    if args.attack is None:
        return None
    return Attack(kind=args.attack, expected_safe_behaviour=args.safe_behaviour)


def cmd_approve(args: argparse.Namespace) -> None:
    attack = _attack(args)
    approved = _with_queue(args, lambda queue: queue.approve(args.candidate_id, args.by, args.category,
                                                             args.language, note=args.note, attack=attack))
    folder: Path = args.golden_dir
    print(f"{approved.candidate_id} approved by {approved.decided_by}: appended as {approved.golden_id} "
          f"to {folder / CANDIDATES_PART}")
    print(f"The golden dataset changed, so its version did: content hash {dataset_hash(folder)}.")
    print(f"Next: update the version line and the composition in {folder / 'DATASHEET.md'}, then commit "
          f"{folder}/ (tests/unit/test_golden_dataset.py checks the recorded hash).")


def cmd_reject(args: argparse.Namespace) -> None:
    rejected = _with_queue(args, lambda queue: queue.reject(args.candidate_id, args.by, note=args.note))
    print(f"{rejected.candidate_id} rejected by {rejected.decided_by}; the golden dataset is unchanged")


def register(subparsers: Any) -> None:
    golden = subparsers.add_parser("golden", help="reviewer corrections proposed for the golden dataset: "
                                   "list, show, approve, reject")
    golden.add_argument("--golden-dir", type=Path, default=GOLDEN_DIR, help="the golden dataset's folder")
    commands = golden.add_subparsers(dest="golden_command", required=True, metavar="COMMAND")

    candidates = commands.add_parser("candidates", help="the queue (pending: oldest first; others: newest first)")
    candidates.add_argument("--status", choices=[*STATUSES, "all"], default="pending")
    candidates.add_argument("--limit", type=int, default=50)
    candidates.set_defaults(run=cmd_candidates)
    show = commands.add_parser("show", help="one candidate: its corrections (before -> after) and the mail text")
    show.add_argument("candidate_id")
    show.set_defaults(run=cmd_show)
    approve = commands.add_parser("approve", help="append it to the golden dataset (changes the dataset version)")
    approve.add_argument("candidate_id")
    approve.add_argument("--by", required=True, metavar="NAME", help="your name: who approved it is recorded")
    approve.add_argument("--category", required=True, choices=[c.value for c in Category], metavar="CATEGORY",
                         help=f"one of: {', '.join(c.value for c in Category)}")
    approve.add_argument("--language", required=True, metavar="xx", help="ISO 639-1 code of the body, e.g. en, de")
    approve.add_argument("--note", help="why, recorded with the decision")
    approve.add_argument("--attack", choices=ATTACK_KINDS, metavar="KIND",
                         help=f"the mail carries this attack (category injection): {', '.join(ATTACK_KINDS)}")
    approve.add_argument("--safe-behaviour", metavar="TEXT", help="with --attack: what the agent must do instead")
    approve.set_defaults(run=cmd_approve)
    reject = commands.add_parser("reject", help="leave it out of the golden dataset")
    reject.add_argument("candidate_id")
    reject.add_argument("--by", required=True, metavar="NAME", help="your name: who rejected it is recorded")
    reject.add_argument("--note", help="why, recorded with the decision")
    reject.set_defaults(run=cmd_reject)
