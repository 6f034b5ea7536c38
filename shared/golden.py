"""The golden dataset (data/golden/part-*.jsonl): loading, splits, and its version (content hash)."""

import hashlib
from pathlib import Path
from typing import Literal

from shared.contracts.golden import GoldenMail
from shared.contracts.golden_actions import GoldenActions
from shared.settings import REPO_ROOT

GOLDEN_DIR = REPO_ROOT / "data" / "golden"
ACTIONS_FILE = "actions.jsonl"


def golden_files(folder: Path = GOLDEN_DIR) -> list[Path]:
    return sorted(folder.glob("part-*.jsonl"))


def dataset_hash(folder: Path = GOLDEN_DIR) -> str:
    """The dataset's version: sha256 of the parts concatenated in name order, first 16 hex digits."""
    return hashlib.sha256(b"".join(path.read_bytes() for path in golden_files(folder))).hexdigest()[:16]


def load_golden(split: Literal["all", "dev", "heldout"] = "all", folder: Path = GOLDEN_DIR) -> list[GoldenMail]:
    rows = [GoldenMail.model_validate_json(line)
            for path in golden_files(folder) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return rows if split == "all" else [row for row in rows if row.split == split]


def load_golden_actions(folder: Path = GOLDEN_DIR) -> dict[str, GoldenActions]:
    """The action labels (data/golden/actions.jsonl), by mail id."""
    lines = (folder / ACTIONS_FILE).read_text(encoding="utf-8").split("\n")
    rows = [GoldenActions.model_validate_json(line) for line in lines if line.strip()]
    return {row.id: row for row in rows}
