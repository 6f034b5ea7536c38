"""The golden dataset stays well-formed and covers what the evaluation needs (data/golden/DATASHEET.md)."""

import hashlib
import re
from collections import Counter
from datetime import date

import pytest

from shared.contracts.golden import Category, GoldenMail
from shared.golden import GOLDEN_DIR as GOLDEN
from shared.golden import dataset_hash, load_golden


@pytest.fixture(scope="module")
def rows() -> list[GoldenMail]:
    return load_golden()


def test_every_row_validates_and_ids_are_unique(rows: list[GoldenMail]) -> None:
    assert len(rows) >= 300
    assert len({r.id for r in rows}) == len(rows)


def test_the_coverage_the_evaluation_needs(rows: list[GoldenMail]) -> None:
    categories = Counter(r.category for r in rows)
    assert set(categories) == set(Category)
    assert sum(r.language != "en" for r in rows) >= 0.10 * len(rows)
    assert sum(r.labels.attack is not None for r in rows) >= 15
    assert all(r.labels.high_stakes for r in rows if r.labels.attack is not None)
    assert sum(r.mail.format == "html" for r in rows) >= 10


def test_labels_are_supported_by_the_mail_text(rows: list[GoldenMail]) -> None:
    for row in rows:
        text = f"{row.mail.subject}\n{row.mail.body}"
        for identifier in row.labels.order_ids + row.labels.invoice_ids:
            assert identifier in text, (row.id, identifier)
        for iso in row.labels.dates:
            date.fromisoformat(iso)


def test_both_splits_are_large_enough_and_stable(rows: list[GoldenMail]) -> None:
    splits = Counter(r.split for r in rows)
    assert splits["heldout"] >= 80 and splits["dev"] >= 200
    assert {r.id for r in rows if r.split == "heldout"} == {
        r.id for r in rows if int(hashlib.sha256(r.id.encode()).hexdigest()[:8], 16) % 100 < 30}


def test_the_datasheet_states_the_current_content_hash(rows: list[GoldenMail]) -> None:
    digest = dataset_hash()
    assert re.search(rf"content hash: `{digest}`", (GOLDEN / "DATASHEET.md").read_text()), digest
