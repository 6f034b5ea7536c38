"""A private redis-server of our own: its users come from the ACL file on every start, so they survive restarts,
and a server of ours started before the users existed is restarted with them (its data kept)."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from redis.exceptions import AuthenticationError

from infra.local_secrets import ensure_local_secrets, redis_password
from infra.process import start_daemon, wait_until
from infra.servers.redis import RedisServer
from shared.settings import PathSettings, RedisSettings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    paths = PathSettings(home=tmp_path / "var", cache=tmp_path / "cache")
    ensure_local_secrets(paths)
    server = RedisServer(settings=RedisSettings(port=_free_port()), paths=paths)
    yield server
    server.stop()


def _as(server: RedisServer, user: str) -> RedisSettings:
    password = SecretStr(redis_password(user, server.paths))
    return server.settings.model_copy(update={"username": user, "password": password})


def test_a_server_from_before_the_users_is_restarted_with_them_and_they_survive_restarts(
        private_redis: RedisServer) -> None:
    server = private_redis
    server.data_dir.mkdir(parents=True)
    # as `mailspine up` started Redis before it had users: no ACL file, the default user open
    start_daemon("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(server.settings.port), "--save", "",
                           "--appendonly", "yes", "--dir", str(server.data_dir)],
                 pid_file=server.pid_file, log_file=server.log_file)
    wait_until("redis", server.refuses_operator, timeout=20, pid_file=server.pid_file,
               log_file=server.log_file)

    assert server.start() == "started"
    with _as(server, "gateway").sync_client() as gateway:
        gateway.set("gateway:seen:kept", "1")
    server.stop()
    assert server.start() == "started"

    with _as(server, "gateway").sync_client() as gateway:
        assert gateway.get("gateway:seen:kept") == b"1"
    with pytest.raises(AuthenticationError):
        _as(server, "runtime").model_copy(update={"password": SecretStr("not-the-password")}).sync_client().ping()
    assert "NOAUTH" in _raw_ping(server.settings.port)


def _raw_ping(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(256).decode()
