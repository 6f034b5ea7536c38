"""The golden-candidate queue against the real Redis: queued once, decided once, and an approval appends a golden
mail that loads with the dataset and goes through the gateway's content stages like any golden mail.

Each test has its own key prefix and a copy of the golden parts in a temporary folder: data/golden/ is never
written here.
"""

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from cli.main import main
from infra.redis_acls import OPERATOR
from services.evaluator.golden.corrections import candidate_from
from services.evaluator.golden.queue import (
    CANDIDATES_PART,
    CandidateAlreadyDecided,
    CandidateNotApprovable,
    CandidateNotFound,
    GoldenCandidateQueue,
)
from shared.contracts.golden_candidate import GoldenCandidate
from shared.errors import UserError
from shared.golden import GOLDEN_DIR, dataset_hash, golden_files, load_golden
from shared.settings import RedisSettings
from tests.unit.test_corrections import EVIDENCE, RUN, decision, facts

pytestmark = pytest.mark.usefixtures("infrastructure")


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = RedisSettings.for_user("evaluator").client()
    yield client
    await client.aclose()


@pytest.fixture
async def queue(redis: Redis, tmp_path: Path) -> AsyncIterator[GoldenCandidateQueue]:
    for part in golden_files(GOLDEN_DIR):
        shutil.copy(part, tmp_path / part.name)
    prefix = f"evaluator:golden-test:{uuid.uuid4().hex}"  # under the evaluator user's own prefix
    yield GoldenCandidateQueue(redis, golden_dir=tmp_path, prefix=prefix)
    operator = RedisSettings.for_user(OPERATOR).client()  # the evaluator's user may not list keys
    keys = [key async for key in operator.scan_iter(match=f"{prefix}:*")]
    if keys:
        await operator.delete(*keys)
    await operator.aclose()


def new_candidate(decision_id: str | None = None, **corrected: object) -> GoldenCandidate:
    changes = {"intent": "complaint", "crm_action": "log_interaction"} | corrected
    candidate = candidate_from(decision(facts(**changes), decision_id=decision_id or uuid.uuid4().hex), EVIDENCE, RUN)
    assert candidate is not None
    return candidate


async def test_a_candidate_is_queued_once_however_often_its_decision_arrives(queue: GoldenCandidateQueue) -> None:
    candidate = new_candidate()
    assert await queue.add(candidate) is True
    assert await queue.add(candidate) is False
    assert await queue.get(candidate.candidate_id) == candidate
    assert [c.candidate_id for c in await queue.list("pending")] == [candidate.candidate_id]
    assert [c.candidate_id for c in await queue.list("all")] == [candidate.candidate_id]
    assert await queue.list("approved") == []
    assert await queue.get("gc-unknown") is None


async def test_pending_lists_oldest_first_and_respects_the_limit(queue: GoldenCandidateQueue) -> None:
    older, newer = new_candidate(), new_candidate()
    newer = newer.model_copy(update={"created_at": older.created_at + timedelta(hours=1)})
    await queue.add(newer)
    await queue.add(older)
    assert [c.candidate_id for c in await queue.list("pending")] == [older.candidate_id, newer.candidate_id]
    assert [c.candidate_id for c in await queue.list("all")] == [newer.candidate_id, older.candidate_id]
    assert len(await queue.list("pending", limit=1)) == 1


async def test_an_approval_appends_one_golden_mail_that_loads_and_builds(queue: GoldenCandidateQueue) -> None:
    from offline_eval.golden_mail import build_inspector, prepare, rfc5322

    before = load_golden(folder=queue.golden_dir)
    hash_before = dataset_hash(queue.golden_dir)
    candidate = new_candidate(amounts=[{"value": "418.00", "currency": "EUR"}, {"value": "12.00", "currency": "EUR"}])
    await queue.add(candidate)
    approved = await queue.approve(candidate.candidate_id, "gina.golden", "complaint", "en", note="clear case")

    expected_id = f"g-{max(int(r.id[2:]) for r in before) + 1:04d}"
    assert (approved.status, approved.decided_by, approved.golden_id) == ("approved", "gina.golden", expected_id)
    assert approved.decision_note == "clear case" and approved.decided_at is not None
    assert await queue.get(candidate.candidate_id) == approved
    assert await queue.list("pending") == [] and await queue.list("approved") == [approved]
    assert dataset_hash(queue.golden_dir) != hash_before
    lines = (queue.golden_dir / CANDIDATES_PART).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1

    rows = load_golden(folder=queue.golden_dir)
    assert len(rows) == len(before) + 1
    row = rows[-1]
    assert (row.id, row.category, row.language) == (expected_id, "complaint", "en")
    assert row.labels.model_dump(exclude={"attack"}) == candidate.corrected.model_dump() | {
        "customer_name": "Robin Ashdown"}
    assert row.labels.attack is None
    assert b"From: Robin Ashdown <customer1@redacted.example>" in rfc5322(row)
    prepared = prepare(row, build_inspector())
    assert prepared.content is not None, prepared.quarantine
    # the gateway redacts the stand-ins again, as it would a customer's real name, address and phone
    assert {"Robin Ashdown", "customer1@redacted.example", "+1 202 555 0101"} <= set(prepared.content.secrets.values())


async def test_a_decision_is_final(queue: GoldenCandidateQueue) -> None:
    approved, rejected = new_candidate(), new_candidate()
    await queue.add(approved)
    await queue.add(rejected)
    await queue.approve(approved.candidate_id, "gina.golden", "complaint", "en")
    written = (queue.golden_dir / CANDIDATES_PART).read_bytes()
    with pytest.raises(CandidateAlreadyDecided, match=r"already approved by gina.golden"):
        await queue.approve(approved.candidate_id, "someone.else", "complaint", "en")
    with pytest.raises(CandidateAlreadyDecided, match="already approved"):
        await queue.reject(approved.candidate_id, "someone.else")
    assert (queue.golden_dir / CANDIDATES_PART).read_bytes() == written

    decided = await queue.reject(rejected.candidate_id, "rick.reject", note="the original was right")
    assert (decided.status, decided.decided_by, decided.golden_id) == ("rejected", "rick.reject", None)
    with pytest.raises(CandidateAlreadyDecided, match=r"already rejected by rick.reject"):
        await queue.approve(rejected.candidate_id, "gina.golden", "complaint", "en")
    assert (queue.golden_dir / CANDIDATES_PART).read_bytes() == written
    assert await queue.list("rejected") == [decided]
    assert {c.candidate_id for c in await queue.list("all")} == {approved.candidate_id, rejected.candidate_id}


async def test_a_refused_approval_leaves_the_dataset_and_the_queue_as_they_were(queue: GoldenCandidateQueue) -> None:
    hash_before = dataset_hash(queue.golden_dir)
    unsupported = new_candidate(order_ids=["ZZ-404"])
    await queue.add(unsupported)
    with pytest.raises(CandidateNotApprovable, match="ZZ-404"):
        await queue.approve(unsupported.candidate_id, "gina.golden", "complaint", "en")
    with pytest.raises(UserError, match="--by NAME"):
        await queue.approve(unsupported.candidate_id, "  ", "complaint", "en")
    with pytest.raises(CandidateNotApprovable, match="unknown category"):
        await queue.approve(unsupported.candidate_id, "gina.golden", "gossip", "en")
    with pytest.raises(CandidateNotFound):
        await queue.reject("gc-unknown", "rick.reject")
    assert not (queue.golden_dir / CANDIDATES_PART).exists()
    assert dataset_hash(queue.golden_dir) == hash_before
    assert (await queue.get(unsupported.candidate_id)) == unsupported


async def test_losing_a_race_to_another_decision_takes_the_appended_line_back(queue: GoldenCandidateQueue) -> None:
    class RejectedMeanwhile(GoldenCandidateQueue):
        async def _record(self, decided: GoldenCandidate) -> None:
            await GoldenCandidateQueue(self.redis, self.golden_dir, self.prefix).reject(decided.candidate_id, "rick")
            await super()._record(decided)

    racing = RejectedMeanwhile(queue.redis, queue.golden_dir, queue.prefix)
    first, second = new_candidate(), new_candidate()
    await queue.add(first)
    await queue.add(second)
    await queue.approve(first.candidate_id, "gina.golden", "complaint", "en")
    written = (queue.golden_dir / CANDIDATES_PART).read_bytes()
    with pytest.raises(CandidateAlreadyDecided, match="already rejected by rick"):
        await racing.approve(second.candidate_id, "gina.golden", "complaint", "en")
    assert (queue.golden_dir / CANDIDATES_PART).read_bytes() == written


async def test_approvals_at_the_same_time_get_distinct_ids(queue: GoldenCandidateQueue) -> None:
    candidates = [new_candidate() for _ in range(3)]
    for candidate in candidates:
        await queue.add(candidate)
    approved = await asyncio.gather(*(queue.approve(c.candidate_id, "gina.golden", "complaint", "en")
                                      for c in candidates))
    assert len({a.golden_id for a in approved}) == 3
    rows = load_golden(folder=queue.golden_dir)
    assert len({r.id for r in rows}) == len(rows)


def test_the_command_names_what_is_wrong_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["golden", "show", "gc-does-not-exist"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("error: no golden candidate 'gc-does-not-exist'; "
                                       "`mailspine golden candidates` lists them\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["golden", "approve", "gc-does-not-exist", "--by", " ", "--category", "refund", "--language", "en"])
    assert exit_info.value.code == 2
    assert "needs the name of who takes it" in capsys.readouterr().err
