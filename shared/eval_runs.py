"""Where eval run records live: one JSON file per run under `<MAILSPINE_HOME>/eval-runs/<prompt>/`.

The `mailspine eval` command writes them; the registry's promotion gate and the console read them.
"""

import os
from pathlib import Path

from pydantic import ValidationError

from shared.contracts.eval_run import EvalRunRecord
from shared.settings import PathSettings


def eval_runs_root() -> Path:
    return Path(os.environ.get("MAILSPINE_EVAL_RUNS_DIR", PathSettings().home / "eval-runs"))


class EvalRunStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or eval_runs_root()

    def save(self, record: EvalRunRecord) -> Path:
        folder = self.root / record.prompt_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{record.run_id}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(record.model_dump_json(indent=2), encoding="utf-8")
        temporary.replace(path)  # atomic: a reader never sees half a record
        return path

    def load(self, prompt_name: str, run_id: str) -> EvalRunRecord:
        path = self.root / prompt_name / f"{run_id}.json"
        return EvalRunRecord.model_validate_json(path.read_text(encoding="utf-8"))

    def runs(self, prompt_name: str) -> list[EvalRunRecord]:
        records = []
        for path in sorted((self.root / prompt_name).glob("*.json")):
            try:
                records.append(EvalRunRecord.model_validate_json(path.read_text(encoding="utf-8")))
            except (OSError, ValidationError):
                continue  # a foreign or damaged file is not evidence of anything
        return sorted(records, key=lambda r: r.created_at)

    def latest_for(self, prompt_name: str, candidate_hash: str, baseline_hash: str | None,
                   dataset_hash: str | None = None) -> EvalRunRecord | None:
        """The newest run of exactly this candidate against exactly this baseline (and dataset, if given)."""
        matching = [r for r in self.runs(prompt_name)
                    if r.candidate_hash == candidate_hash and r.baseline_hash == baseline_hash
                    and (dataset_hash is None or r.dataset_hash == dataset_hash)]
        return matching[-1] if matching else None
