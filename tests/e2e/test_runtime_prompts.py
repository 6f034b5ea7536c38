"""The runtime uses the registry's production prompt, says which in its run summary, and keeps working on the
last known version when the registry process is killed."""

import os
import signal
import time
from typing import Any

import httpx
import pytest

from infra.process import read_pid
from infra.service_processes import start_services
from services.registry.settings import RegistrySettings
from shared.contracts.topics import AGENT_RUNS, CRM_WRITES
from shared.settings import PathSettings
from tests.support.helpers import read_until, send_mails, wait_for

pytestmark = pytest.mark.usefixtures("running_services")

STALE_AFTER_SECONDS = 3.0  # PromptClientSettings.stale_after_seconds: the runtime's default


def _production_version() -> str:
    from cli.prompts_command import fetch_artifact

    version: str = fetch_artifact("extract-email", label="production").version
    return version


def _registry_answers() -> bool:
    try:
        return httpx.get(f"{RegistrySettings().url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _run_of(mail_id: str) -> dict[str, Any]:
    runs = read_until(AGENT_RUNS, lambda records: any(r.get("mail_id") == mail_id for r in records), 60)
    run: dict[str, Any] = next(r for r in runs if r.get("mail_id") == mail_id)["payload"]
    return run


def test_the_run_summary_names_the_prompt_version_the_runtime_used() -> None:
    [mail] = send_mails(1)
    run = _run_of(mail.mail_id)
    assert [p["name"] for p in run["prompts"]] == ["extract-email", "plan-actions"]  # extraction, then the plan
    prompt = run["prompts"][0]
    assert (prompt["name"], prompt["label"], prompt["stale"]) == ("extract-email", "production", False)
    assert prompt["version"] == _production_version()
    assert run["model"] == "mailspine-reference-rules" and run["input_tokens"] > 0 and len(run["trace_id"]) == 32


def test_with_the_registry_killed_the_runtime_serves_the_last_known_version() -> None:
    known = _production_version()
    pid = read_pid(PathSettings().home / "run" / "service-registry.pid")
    assert pid is not None, "the registry is not running"
    os.kill(pid, signal.SIGKILL)
    try:
        assert wait_for(lambda: not _registry_answers(), 10), "the killed registry still answers"
        time.sleep(STALE_AFTER_SECONDS + 1)  # past the point where the runtime's client calls itself stale
        [mail] = send_mails(1)
        run = _run_of(mail.mail_id)
        [prompt] = [p for p in run["prompts"] if p["name"] == "extract-email"]
        assert prompt["version"] == known and prompt["stale"] is True, prompt
        assert run["outcome"] in ("crm", "human_review", "no_action")
        if run["outcome"] == "crm":
            writes = read_until(CRM_WRITES, lambda rs: any(r.get("mail_id") == mail.mail_id for r in rs), 60)
            assert any(w.get("mail_id") == mail.mail_id for w in writes)
    finally:
        start_services()
        assert wait_for(_registry_answers, 30), "the registry did not come back"
