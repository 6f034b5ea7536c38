"""Redis from Debian's redis-server, with AOF persistence, bound to loopback, and per-service ACL users."""

import shutil
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr
from redis import Redis
from redis.exceptions import AuthenticationError, RedisError, ResponseError

from infra.local_secrets import redis_password
from infra.process import read_pid
from infra.redis_acl_file import write_acl_file
from infra.redis_acls import OPERATOR
from infra.servers.base import Server, apt_install
from shared.settings import PathSettings, RedisSettings


class RedisServer(Server):
    name = "redis"
    version = "Debian redis-server"
    start_timeout = 20.0

    def __init__(self, settings: RedisSettings | None = None, paths: PathSettings | None = None) -> None:
        super().__init__(paths)
        self.settings = settings or RedisSettings()

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.port,)

    @property
    def acl_file(self) -> Path:
        return self.config_dir / "users.acl"

    def installed(self) -> bool:
        return shutil.which("redis-server") is not None

    def install(self) -> None:
        apt_install(["redis-server"], log_file=self.paths.home / "log" / "install-redis.log")

    def prepare(self) -> None:
        write_acl_file(self.acl_file, self.paths)  # rewritten before every start: the table is the truth

    def command(self) -> Sequence[str]:
        return [
            "redis-server",
            "--bind", "127.0.0.1",
            "--port", str(self.settings.port),
            "--protected-mode", "yes",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "no",
            "--save", "",
            "--aclfile", str(self.acl_file),
        ]

    def start(self) -> str:
        # a server of ours started before its users existed accepts no operator: restart it with the ACL file
        if read_pid(self.pid_file) is not None and self.refuses_operator():
            self.stop()
        outcome = super().start()
        if outcome != "started":
            self.reload_acls()  # a running server learns the users and grants added since it started
        return outcome

    def reload_acls(self) -> None:
        write_acl_file(self.acl_file, self.paths)
        with self.operator_client() as client:
            client.execute_command("ACL", "LOAD")

    def operator_client(self) -> Redis:
        operator = self.settings.model_copy(
            update={"username": OPERATOR, "password": SecretStr(redis_password(OPERATOR, self.paths))})
        return operator.sync_client(socket_timeout=2.0, socket_connect_timeout=1.0)

    def refuses_operator(self) -> bool:
        try:
            with self.operator_client() as client:
                client.ping()
            return False
        except (AuthenticationError, ResponseError):
            return True
        except (RedisError, OSError):
            return False  # not answering (yet): the usual wait for health decides

    def healthy(self) -> bool:
        try:
            with self.operator_client() as client:
                return bool(client.ping())
        except (RedisError, OSError):
            return False
