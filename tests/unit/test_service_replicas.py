"""`mailspine up --replicas`: what may run as several processes, and how their PID files are named and found."""

from pathlib import Path

import pytest

from infra.service_processes import SERVICES, _replica_pid_files, parse_replicas
from shared.errors import InfraError
from shared.settings import PathSettings

pytestmark = pytest.mark.unit


def test_replicas_are_parsed_per_service() -> None:
    assert parse_replicas("runtime=2, gateway=2") == {"runtime": 2, "gateway": 2}
    assert parse_replicas("") == {}


@pytest.mark.parametrize(("text", "complaint"), [
    ("runtime", "SERVICE=COUNT"),
    ("runtime=0", "at least 1"),
    ("runtime=two", "SERVICE=COUNT"),
    ("planner=2", "no service named 'planner'"),
    ("console=2", "serves a port of its own"),
    ("runtime=9", "more than the 3 partitions"),
])
def test_a_replica_request_that_cannot_work_is_refused_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(InfraError, match=complaint):
        parse_replicas(text)


def test_only_pure_consumers_are_replicable() -> None:
    replicable = {spec.name for spec in SERVICES if spec.replicable}
    assert {"gateway", "runtime", "tool-crm-writer", "tool-history", "tool-retriever"} <= replicable
    assert not {"registry", "console", "evaluator", "crm-standin", "smtp-relay", "mail-ingest"} & replicable


def test_the_first_process_keeps_the_plain_pid_file_and_replicas_follow_in_order(tmp_path: Path) -> None:
    paths = PathSettings(home=tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    for name in ("service-runtime.10.pid", "service-runtime.2.pid", "service-runtime-old.pid",
                 "service-runtime.x.pid"):
        (run / name).write_text("1")
    runtime = next(spec for spec in SERVICES if spec.name == "runtime")
    assert [path.name for path in _replica_pid_files(paths, runtime)] == [
        "service-runtime.pid", "service-runtime.2.pid", "service-runtime.10.pid"]
