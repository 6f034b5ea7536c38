"""The queue of golden-dataset candidates in Redis, and what a person's decision on one does.

An approval appends the candidate to ``data/golden/part-candidates.jsonl`` as one GoldenMail, with the next free
g-NNNN id; that changes the dataset's version on purpose, so the approver updates the datasheet and commits.
A candidate is decided once: approved or rejected, never both, never twice.

Keys:
  evaluator:golden:candidate:{candidate_id}   the candidate (JSON), its status and decision included
  evaluator:golden:all                        sorted set of candidate ids, scored by creation time
  evaluator:golden:{status}                   the same, per status (pending, approved, rejected)
"""

import asyncio
import fcntl
import json
import os
import re
from datetime import UTC, date, datetime
from email.policy import default as email_policy
from email.utils import formataddr
from pathlib import Path
from typing import Literal, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError, WatchError

from shared.contracts.golden import Attack, Category, GoldenLabels, GoldenMail, GoldenMailText
from shared.contracts.golden_candidate import GoldenCandidate
from shared.errors import RetryLater, UserError
from shared.golden import GOLDEN_DIR, load_golden
from shared.pii_placeholders import PII_PLACEHOLDER
from shared.redis_text import redis_text

CANDIDATES_PART = "part-candidates.jsonl"
Status = Literal["pending", "approved", "rejected"]
STATUSES: tuple[Status, ...] = ("pending", "approved", "rejected")

# Placeholders become fictional values, the same one everywhere in the mail and its labels, so the offline eval
# can build an RFC 5322 mail and compare what the gateway re-redacts with the labels. The names were chosen
# because the gateway's NER takes them for names in a From header, a greeting, a sign-off and running text.
_STAND_IN_NAMES = ("Robin Ashdown", "Casey Brookfield", "Dana Calloway", "Jordan Dunmore", "Jesse Fenwick",
                   "Avery Hollis", "Kim Marlowe", "Riley Pemberton", "Leslie Thornbury", "Taylor Whitcombe",
                   "Alex Hollis", "Jamie Ashdown")
# published test and documentation values: they pass the gateway's checks and belong to nobody
_STAND_IN_CARDS = ("4111 1111 1111 1111", "5555 5555 5555 4444", "4012 8888 8888 1881", "3782 822463 10005")
_STAND_IN_IBANS = ("DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "NL91 ABNA 0417 1643 00",
                   "FR14 2004 1010 0505 0001 3M02 606")


class CandidateNotFound(UserError):
    pass


class CandidateAlreadyDecided(UserError):
    pass


class CandidateNotApprovable(UserError):
    """The candidate would make the dataset invalid as it is; the message says what to fix."""


def _from_list(values: tuple[str, ...], kind: str, number: int) -> str:
    if number > len(values):
        raise CandidateNotApprovable(f"<{kind}_{number}>: only {len(values)} fictional stand-ins exist for "
                                     f"{kind} (services/evaluator/golden/queue.py)")
    return values[number - 1]


def stand_in(kind: str, number: int) -> str:
    """The fictional value for the placeholder <KIND_number>."""
    if kind == "PERSON":
        return _from_list(_STAND_IN_NAMES, kind, number)
    if kind == "EMAIL":
        return f"customer{number}@redacted.example"
    if kind == "PHONE":
        return f"+1 202 555 {100 + number:04d}"  # 555-0100..0199: reserved for fiction
    if kind == "CARD":
        return _from_list(_STAND_IN_CARDS, kind, number)
    if kind == "IBAN":
        return _from_list(_STAND_IN_IBANS, kind, number)
    if kind == "IP":
        return f"192.0.2.{number}"  # RFC 5737 documentation range
    if kind == "SSN":
        return f"000-00-{number:04d}"  # area 000 is never issued (so the gateway does not flag it either)
    return f"redacted-{kind.lower()}-{number}"


def with_stand_ins(text: str) -> str:
    return PII_PLACEHOLDER.sub(lambda match: stand_in(match["kind"], int(match["number"])), text)


def _sender_address(sender: str) -> str:
    """The From header; a sender whose address was lost (a display name only) gets a fictional one."""
    header = email_policy.header_factory("from", with_stand_ins(sender))
    if header.defects or len(header.addresses) != 1 or not header.addresses[0].domain:
        return formataddr((with_stand_ins(sender).strip(), "sender@redacted.example"))
    return str(header)


def golden_record(candidate: GoldenCandidate, golden_id: str, category: Category, language: str,
                  attack: Attack | None = None) -> GoldenMail:
    """The candidate as a golden mail: the corrected facts are its labels, placeholders replaced throughout."""
    facts = candidate.corrected
    optional = {name: None if getattr(facts, name) is None else with_stand_ins(getattr(facts, name))
                for name in ("customer_name", "company", "requested_action")}
    labels = GoldenLabels(
        intent=facts.intent, **optional, order_ids=[with_stand_ins(i) for i in facts.order_ids],
        invoice_ids=[with_stand_ins(i) for i in facts.invoice_ids], amounts=facts.amounts, dates=facts.dates,
        crm_action=facts.crm_action, high_stakes=facts.high_stakes, attack=attack)
    tenant_domain = re.sub(r"[^a-z0-9]+", "-", candidate.tenant.lower()).strip("-") or "tenant"
    mail = GoldenMailText.model_validate({
        "from": _sender_address(candidate.sender), "to": f"support@{tenant_domain}.example",
        "subject": with_stand_ins(candidate.subject), "format": "text", "body": with_stand_ins(candidate.body)})
    row = GoldenMail(id=golden_id, language=language, category=category, mail=mail, labels=labels)
    _check_labels_hold(row)
    return row


def _check_labels_hold(row: GoldenMail) -> None:
    """What tests/unit/test_golden_dataset.py requires of every row, said before anything is written."""
    text = f"{row.mail.subject}\n{row.mail.body}"
    for identifier in row.labels.order_ids + row.labels.invoice_ids:
        if identifier not in text:
            raise CandidateNotApprovable(f"the id {identifier!r} in the corrected facts does not occur in the mail "
                                         "text; golden labels must be supported by the text")
    for day in row.labels.dates:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise CandidateNotApprovable(f"the date {day!r} in the corrected facts is not ISO 8601") from None
    if (row.category == Category.INJECTION) != (row.labels.attack is not None):
        raise CandidateNotApprovable("an injection mail carries an attack and only an injection mail does: give "
                                     "both the category injection and the attack, or neither")
    if row.labels.attack is not None and not row.labels.high_stakes:
        raise CandidateNotApprovable("a mail with an attack must be high-stakes in the corrected facts")


def next_golden_id(folder: Path) -> str:
    taken = [int(row.id.removeprefix("g-")) for row in load_golden(folder=folder)]
    number = max(taken, default=0) + 1
    if number > 9999:
        raise CandidateNotApprovable("the golden ids g-NNNN are used up")
    return f"g-{number:04d}"


def _json_line(row: GoldenMail) -> str:
    # the hand-written parts' own layout: json.dumps defaults, non-ASCII kept as written
    return json.dumps(row.model_dump(mode="json", by_alias=True), ensure_ascii=False) + "\n"


class GoldenCandidateQueue:
    def __init__(self, redis: Redis, golden_dir: Path = GOLDEN_DIR, prefix: str = "evaluator:golden") -> None:
        self.redis = redis
        self.golden_dir = golden_dir
        self.prefix = prefix

    def _key(self, candidate_id: str) -> str:
        return f"{self.prefix}:candidate:{candidate_id}"

    def _index(self, status: Status | Literal["all"]) -> str:
        return f"{self.prefix}:{status}"

    async def add(self, candidate: GoldenCandidate) -> bool:
        """Queue a new candidate; False when it is already there (a redelivered decision), whatever its status."""
        if candidate.status != "pending":
            raise ValueError(f"a new candidate is pending, not {candidate.status}")
        key = self._key(candidate.candidate_id)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                await pipe.watch(key)
                if await pipe.exists(key):
                    return False
                pipe.multi()
                pipe.set(key, candidate.model_dump_json())
                score = {candidate.candidate_id: candidate.created_at.timestamp()}
                pipe.zadd(self._index("all"), score)
                pipe.zadd(self._index("pending"), score)
                await pipe.execute()
                return True
        except WatchError:
            return False  # the same candidate was added at the same moment
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc

    async def get(self, candidate_id: str) -> GoldenCandidate | None:
        try:
            stored = await self.redis.get(self._key(candidate_id))
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
        return None if stored is None else GoldenCandidate.model_validate_json(stored)

    async def _pending(self, candidate_id: str) -> GoldenCandidate:
        candidate = await self.get(candidate_id)
        if candidate is None or candidate.status != "pending":
            raise _not_pending(candidate_id, candidate)
        return candidate

    async def _record(self, decided: GoldenCandidate) -> None:
        """Store the decision, only if the candidate is still pending (checked and written in one transaction)."""
        key = self._key(decided.candidate_id)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                await pipe.watch(key)
                stored = await pipe.get(key)
                current = None if stored is None else GoldenCandidate.model_validate_json(stored)
                if current is None or current.status != "pending":
                    raise _not_pending(decided.candidate_id, current)
                pipe.multi()
                pipe.set(key, decided.model_dump_json())
                pipe.zrem(self._index("pending"), decided.candidate_id)
                pipe.zadd(self._index(decided.status), {decided.candidate_id: decided.created_at.timestamp()})
                await pipe.execute()
        except WatchError:
            raise CandidateAlreadyDecided(f"{decided.candidate_id} was decided by someone else just now; "
                                          f"`mailspine golden show {decided.candidate_id}` says how") from None
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc

    async def approve(self, candidate_id: str, approver: str, category: str, language: str,
                      note: str | None = None, attack: Attack | None = None) -> GoldenCandidate:
        """Append the candidate to the golden dataset and record who approved it; the approved candidate."""
        approver = _named(approver)
        try:
            chosen = Category(category)
        except ValueError:
            raise CandidateNotApprovable(f"unknown category {category!r}; one of: "
                                         f"{', '.join(c.value for c in Category)}") from None
        if not re.fullmatch(r"[a-z]{2}", language):
            raise CandidateNotApprovable(f"language {language!r}: give the ISO 639-1 code of the body, e.g. en, de")
        candidate = await self._pending(candidate_id)
        part = self.golden_dir / CANDIDATES_PART
        created = not part.exists()
        # one approver at a time picks an id and appends: the lock is on the file the line goes to. Waited for in
        # a thread, so a second approval in the same event loop cannot block the first one's Redis round trip.
        with part.open("ab+") as file:
            await asyncio.to_thread(fcntl.flock, file, fcntl.LOCK_EX)
            size = file.seek(0, os.SEEK_END)
            try:
                golden_id = next_golden_id(self.golden_dir)
                line = _json_line(golden_record(candidate, golden_id, chosen, language, attack))
                file.seek(max(size - 1, 0))
                if size and file.read(1) != b"\n":
                    line = "\n" + line  # a hand edit left the last line open
                file.write(line.encode("utf-8"))
                file.flush()
                decided = candidate.model_copy(update={
                    "status": "approved", "decided_by": approver, "decided_at": datetime.now(UTC),
                    "decision_note": note, "golden_id": golden_id})
                await self._record(decided)
            except BaseException:
                file.truncate(size)  # not decided after all: the dataset stays as it was
                if created:
                    part.unlink()
                raise
        return decided

    async def reject(self, candidate_id: str, approver: str, note: str | None = None) -> GoldenCandidate:
        approver = _named(approver)
        candidate = await self._pending(candidate_id)
        decided = candidate.model_copy(update={
            "status": "rejected", "decided_by": approver, "decided_at": datetime.now(UTC), "decision_note": note})
        await self._record(decided)
        return decided

    # last in the class: the name shadows the builtin in the annotations of anything defined after it
    async def list(self, status: Status | Literal["all"] = "pending", limit: int = 50) -> list[GoldenCandidate]:
        """Pending: oldest first (the order to work through them); otherwise newest first."""
        try:
            ids = await self.redis.zrange(self._index(status), 0, limit - 1, desc=status != "pending")
            # without withscores, zrange returns members only (redis-py's type also covers the scored form)
            stored = await self.redis.mget([self._key(redis_text(cast(bytes, i))) for i in ids]) if ids else []
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
        return [GoldenCandidate.model_validate_json(s) for s in stored if s is not None]


def _not_pending(candidate_id: str, candidate: GoldenCandidate | None) -> UserError:
    if candidate is None:
        return CandidateNotFound(f"no golden candidate {candidate_id!r}; `mailspine golden candidates` lists them")
    when = f"{candidate.decided_at:%Y-%m-%d %H:%M} UTC" if candidate.decided_at else "earlier"
    return CandidateAlreadyDecided(f"{candidate_id} was already {candidate.status} by {candidate.decided_by} "
                                   f"({when}); a decision is final")


def _named(approver: str) -> str:
    if not approver or not approver.strip():
        raise UserError("a decision needs the name of who takes it (--by NAME)")
    return approver.strip()
