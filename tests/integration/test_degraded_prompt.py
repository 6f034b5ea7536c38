"""The offline gate blocks a deliberately degraded prompt, and lets an equivalent one through.

The degraded version drops the intent guide and the high-stakes rules from the system prompt; the reference
model reads the prompt, so it answers worse, and `mailspine eval` must exit 1 and say which metrics fell.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from offline_eval.prompt_variants import DEGRADED_CHANGELOG, drop_guides, variant
from shared.contracts.eval_run import EvalRunRecord
from shared.prompts import PromptLibrary
from shared.prompts.library import write_artifact
from shared.settings import REPO_ROOT

MAILSPINE = str(Path(sys.executable).parent / "mailspine")


def _variant(root: Path, version: str, changelog: str, edit: Callable[[str], str]) -> None:
    write_artifact(root, variant(PromptLibrary(root).get("extract-email", "1.0.0"), version, changelog, edit))


@pytest.fixture(scope="module")
def prompt_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("prompts")
    shutil.copytree(REPO_ROOT / "prompts" / "extract-email", root / "extract-email")
    _variant(root, "1.0.1", DEGRADED_CHANGELOG, drop_guides)
    _variant(root, "1.0.2", "Wording only: 'business e-mail' becomes 'business email'",
             lambda text: text.replace("business e-mail", "business email"))
    return root


def _eval(prompt_root: Path, runs: Path, candidate: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"MAILSPINE_PROMPTS_DIR": str(prompt_root), "MAILSPINE_EVAL_RUNS_DIR": str(runs)}
    return subprocess.run([MAILSPINE, "eval", "--candidate", candidate, "--baseline", "1.0.0"], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=900)


def test_the_degraded_prompt_is_blocked(infrastructure: None, prompt_root: Path, tmp_path: Path) -> None:
    done = _eval(prompt_root, tmp_path, "extract-email@1.0.1")
    print(done.stdout)
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "verdict: FAIL" in done.stdout
    record = EvalRunRecord.model_validate_json(next(tmp_path.glob("extract-email/*.json")).read_text())
    assert record.verdict == "fail" and record.candidate_version == "1.0.1" and record.baseline_version == "1.0.0"
    worse = {c.metric for c in record.comparisons if c.significantly_worse}
    assert {"intent_accuracy", "high_stakes_recall"} <= worse, worse


def test_an_equivalent_prompt_passes(infrastructure: None, prompt_root: Path, tmp_path: Path) -> None:
    done = _eval(prompt_root, tmp_path, "extract-email@1.0.2")
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    record = EvalRunRecord.model_validate_json(next(tmp_path.glob("extract-email/*.json")).read_text())
    assert record.verdict == "pass" and record.reasons == []
