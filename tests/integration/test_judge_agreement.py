"""The offline gate for judge prompts, against the real reference model server over HTTP: judge-extraction@1.0.0
agrees with the golden labels well enough to pass, and a judge prompt that lost its guides is blocked.

The server is a private one (its own port and state folder), so it runs this checkout's code whatever else runs.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.servers.reference_model import ReferenceModelServer
from offline_eval.prompt_variants import drop_guides, variant
from shared.contracts.eval_run import EvalRunRecord
from shared.llm import ReferenceModelSettings
from shared.prompts import PromptLibrary
from shared.prompts.library import write_artifact
from shared.settings import REPO_ROOT, PathSettings
from tests.support.registry_harness import free_port

MAILSPINE = str(Path(sys.executable).parent / "mailspine")


@pytest.fixture(scope="module")
def model_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home, port = tmp_path_factory.mktemp("judge-home"), free_port()
    server = ReferenceModelServer(ReferenceModelSettings(port=port), paths=PathSettings(home=home))
    assert server.start() == "started"
    try:
        yield {"MAILSPINE_HOME": str(home), "MAILSPINE_REFERENCE_MODEL_PORT": str(port)}
    finally:
        server.stop()


def _eval(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([MAILSPINE, "eval", *args], cwd=REPO_ROOT, env=os.environ | env, capture_output=True,
                          text=True, timeout=900)
    print(done.stdout)
    return done


def _record(runs: Path) -> EvalRunRecord:
    (path,) = runs.glob("judge-extraction/*.json")
    return EvalRunRecord.model_validate_json(path.read_text())


def test_the_judge_agrees_with_the_golden_labels(model_env: dict[str, str], tmp_path: Path) -> None:
    env = model_env | {"MAILSPINE_EVAL_RUNS_DIR": str(tmp_path)}
    done = _eval(env, "--candidate", "judge-extraction@1.0.0", "--baseline", "none")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "verdict: PASS" in done.stdout and "judge_accuracy" in done.stdout
    record = _record(tmp_path)
    assert record.prompt_name == "judge-extraction" and record.candidate_version == "1.0.0"
    assert record.dataset_split == "all" and record.baseline_hash is None
    metrics = record.metrics
    assert metrics["judge_accuracy"] >= 0.80 and metrics["judge_catch_rate"] >= 0.70
    assert metrics["judge_false_alarm_rate"] <= 0.20 and metrics["judge_valid_rate"] == 1.0
    # both kinds of extraction were judged: the measurement is not about one class only
    assert 0.2 < metrics["extractions_wrong_share"] < 0.8


def test_a_judge_prompt_without_its_guides_is_blocked(model_env: dict[str, str], tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(REPO_ROOT / "prompts" / "judge-extraction", prompts / "judge-extraction")
    judge = PromptLibrary(prompts).get("judge-extraction", "1.0.0")
    write_artifact(prompts, variant(judge, "1.0.1", "Shorter rubric (drops the intent guide and the high-stakes "
                                                    "rules)", drop_guides))
    env = model_env | {"MAILSPINE_EVAL_RUNS_DIR": str(tmp_path / "runs"), "MAILSPINE_PROMPTS_DIR": str(prompts)}
    done = _eval(env, "--candidate", "judge-extraction@1.0.1", "--baseline", "1.0.0", "--split", "heldout")
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "verdict: FAIL" in done.stdout
    record = _record(tmp_path / "runs")
    assert record.verdict == "fail" and record.baseline_version == "1.0.0"
    worse = {c.metric for c in record.comparisons if c.significantly_worse}
    assert {"judge_accuracy", "judge_false_alarm_rate"} <= worse, worse
