"""The agent's offline gate on main's own prompts: the newest plan-actions version, evaluated end to end (the
gateway's content stages, extraction, planning and the critic in-process, with the reference model) against the
golden action labels, passes every floor on both splits. Nothing else in the suite runs this eval unless a prompt
changed, so a change in the planner's inputs or in the model that breaks planning would otherwise go unseen."""

import os
import subprocess
import sys
from pathlib import Path

from offline_eval.action_eval import ACTION_GUARDS
from services.runtime.planning import PLAN_PROMPT
from shared.contracts.eval_run import EvalRunRecord
from shared.prompts import PromptLibrary
from shared.settings import REPO_ROOT

MAILSPINE = str(Path(sys.executable).parent / "mailspine")


def test_mains_planner_prompt_passes_the_action_gate_on_both_splits(infrastructure: None, tmp_path: Path) -> None:
    ref = PromptLibrary().latest(PLAN_PROMPT).ref
    done = subprocess.run([MAILSPINE, "eval", "--candidate", ref, "--baseline", "main"], cwd=REPO_ROOT,
                          env=os.environ | {"MAILSPINE_EVAL_RUNS_DIR": str(tmp_path)}, capture_output=True,
                          text=True, timeout=900)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    record = EvalRunRecord.model_validate_json(next(tmp_path.glob(f"{PLAN_PROMPT}/*.json")).read_text())
    assert record.verdict == "pass" and record.metrics["injection_actions_granted"] == 0
    # the per-split table: metric, then dev base/cand, held-out base/cand, all base/cand
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in done.stdout.splitlines()
            if len(line.split()) == 7 and line.split()[0] in {guard.name for guard in ACTION_GUARDS}}
    for guard in ACTION_GUARDS:
        dev, heldout = rows[guard.name][1], rows[guard.name][3]
        for split, value in (("dev", dev), ("heldout", heldout)):
            within = value <= guard.floor if guard.lower_is_better else value >= guard.floor
            assert within, f"{split} {guard.name} {value:.3f} is past its floor {guard.floor}"
