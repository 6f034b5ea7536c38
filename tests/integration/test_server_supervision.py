"""How `mailspine up` fails: a taken port, a server that exits, a server that never becomes healthy."""

import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from infra.servers.base import Server
from infra.servers.redis import RedisServer
from shared.errors import InfraError
from shared.settings import PathSettings, RedisSettings


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.fixture
def scratch_paths(tmp_path: Path) -> PathSettings:
    return PathSettings(home=tmp_path / "var", cache=tmp_path / "cache")


def test_a_taken_port_is_named_in_a_clear_error(taken_port: int, scratch_paths: PathSettings) -> None:
    redis = RedisServer(settings=RedisSettings(port=taken_port), paths=scratch_paths)
    with pytest.raises(InfraError, match=rf"redis: port\(s\) \[{taken_port}\] .* taken by another process"):
        redis.start()


class _ScriptServer(Server):
    """A real process standing in for a server, to exercise start-up supervision."""

    name = "scripted"
    version = "test"
    start_timeout = 3.0

    def __init__(self, script: str, port: int, paths: PathSettings | None = None) -> None:
        super().__init__(paths)
        self.script = script
        self.port = port

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port,)

    def installed(self) -> bool:
        return True

    def install(self) -> None:
        raise AssertionError("never called")

    def command(self) -> Sequence[str]:
        return [sys.executable, "-c", self.script]

    def healthy(self) -> bool:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_server_that_exits_during_start_up_reports_its_log(scratch_paths: PathSettings) -> None:
    server = _ScriptServer("import sys; print('bad config line 3'); sys.exit(1)", _free_port(), paths=scratch_paths)
    with pytest.raises(InfraError, match=r"(?s)scripted exited during start-up.*bad config line 3"):
        server.start()


def test_a_server_that_never_becomes_healthy_times_out_and_can_be_stopped(scratch_paths: PathSettings) -> None:
    server = _ScriptServer("import time; print('waiting forever', flush=True); time.sleep(60)", _free_port(),
                           paths=scratch_paths)
    with pytest.raises(InfraError, match=r"(?s)did not become healthy within 3s.*waiting forever"):
        server.start()
    assert server.stop() is True
    assert server.status().owner == "-"
