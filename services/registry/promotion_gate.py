"""The promotion gate: a version reaches canary or production only with a passing offline eval run of exactly
its content against exactly what is in production now, on the current golden dataset."""

from collections.abc import Callable

from shared.contracts.eval_run import EvalRunRecord
from shared.eval_runs import EvalRunStore


class GateRefused(Exception):
    """No passing eval run for this promotion; the message says which command produces one (HTTP 409)."""


def eval_command(name: str, version: str) -> str:
    return f"mailspine eval --candidate {name}@{version} --baseline production"


def require_passing_eval(store: EvalRunStore, dataset_hash: Callable[[], str], *, name: str, version: str,
                         candidate_hash: str, production_version: str | None,
                         production_hash: str | None) -> EvalRunRecord:
    dataset = dataset_hash()
    record = store.latest_for(name, candidate_hash, production_hash, dataset)
    against = f"production {name}@{production_version} ({production_hash})" if production_hash else "no baseline"
    if record is None:
        others = [r for r in store.runs(name) if r.candidate_hash == candidate_hash]
        hint = ""
        if others:
            newest = others[-1]
            hint = (f" (its newest run {newest.run_id} compared against {newest.baseline_version or 'no baseline'} "
                    f"{newest.baseline_hash or ''} on dataset {newest.dataset_hash}, which is not what is live now)")
        raise GateRefused(f"no eval run of {name}@{version} ({candidate_hash}) against {against} on golden dataset "
                          f"{dataset}{hint}; run `{eval_command(name, version)}` and promote again")
    if not record.passed:
        raise GateRefused(f"the eval run {record.run_id} of {name}@{version} against {against} failed: "
                          f"{'; '.join(record.reasons) or 'verdict fail'}. Fix the prompt, publish a new version "
                          f"and run `mailspine eval --candidate {name}@NEW_VERSION --baseline production`")
    return record
