"""Redis from Debian's redis-server, with AOF persistence, bound to loopback."""

import shutil
import socket
from collections.abc import Sequence

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

    def installed(self) -> bool:
        return shutil.which("redis-server") is not None

    def install(self) -> None:
        apt_install(["redis-server"], log_file=self.paths.home / "log" / "install-redis.log")

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
        ]

    def healthy(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.settings.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False
