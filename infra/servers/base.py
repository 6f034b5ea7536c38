"""What every local server has in common: install into the cache, start, health-check, stop, report."""

import os
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.process import log_tail, port_open, read_pid, start_daemon, stop_daemon, wait_until
from shared.errors import InfraError
from shared.settings import PathSettings


@dataclass(frozen=True)
class Status:
    name: str
    ports: tuple[int, ...]
    version: str
    up: bool
    owner: str  # "mailspine" (our PID file), "external" (a healthy server we did not start) or "-"


class Server(ABC):
    name: str
    version: str
    start_timeout: float = 60.0

    def __init__(self, paths: PathSettings | None = None) -> None:
        self.paths = paths or PathSettings()

    # --- places -------------------------------------------------------------------------------------
    @property
    def pid_file(self) -> Path:
        return self.paths.home / "run" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.paths.home / "log" / f"{self.name}.log"

    @property
    def data_dir(self) -> Path:
        return self.paths.home / "data" / self.name

    @property
    def config_dir(self) -> Path:
        return self.paths.home / "config" / self.name

    # --- what each server defines -------------------------------------------------------------------
    @property
    @abstractmethod
    def ports(self) -> tuple[int, ...]: ...

    @abstractmethod
    def installed(self) -> bool: ...

    @abstractmethod
    def install(self) -> None: ...

    @abstractmethod
    def command(self) -> Sequence[str]: ...

    @abstractmethod
    def healthy(self) -> bool: ...

    def prepare(self) -> None:  # noqa: B027 - an optional hook: most servers need no preparation
        """Write config and initialise the data dir; runs before every start and must be idempotent."""

    def environment(self) -> Mapping[str, str]:
        return {}

    # --- lifecycle ----------------------------------------------------------------------------------
    def ensure_installed(self) -> None:
        if not self.installed():
            print(f"  installing {self.name} {self.version} (first run only; cached in {self.paths.cache})",
                  flush=True)
            self.install()
            if not self.installed():
                raise InfraError(f"{self.name}: install finished but the result is missing")

    def start(self) -> str:
        """Start unless already running; returns what happened, for the progress line."""
        if read_pid(self.pid_file) is not None:
            self._wait_healthy()
            return "already running"
        if self.healthy():
            return "reusing the healthy server already listening"
        taken = [port for port in self.ports if port_open(port)]
        if taken:
            raise InfraError(
                f"{self.name}: port(s) {taken} on 127.0.0.1 are taken by another process, and it is not a "
                f"healthy {self.name}. Stop that process, or move {self.name} with the MAILSPINE_* port "
                "settings described in the README.",
            )
        self.ensure_installed()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.prepare()
        start_daemon(self.name, self.command(), pid_file=self.pid_file, log_file=self.log_file,
                     env=self.environment(), cwd=self.data_dir)
        self._wait_healthy()
        return "started"

    def _wait_healthy(self) -> None:
        wait_until(self.name, self.healthy, timeout=self.start_timeout, pid_file=self.pid_file,
                   log_file=self.log_file)

    def stop(self) -> bool:
        return stop_daemon(self.pid_file)

    def status(self) -> Status:
        ours = read_pid(self.pid_file) is not None
        up = self.healthy()
        owner = "mailspine" if ours else ("external" if up else "-")
        return Status(self.name, self.ports, self.version, up, owner)


def run_install_step(description: str, argv: Sequence[str], *, cwd: Path | None = None,
                     env: Mapping[str, str] | None = None, log_file: Path) -> None:
    """Run one install command, its output to ``log_file``; a failure names the command and shows the tail."""
    tool = argv[0]
    if shutil.which(tool) is None:
        raise InfraError(f"{description} needs `{tool}` on PATH, and it is not installed.")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    print(f"    {description} ...", flush=True)
    with log_file.open("ab") as log:
        result = subprocess.run(list(argv), cwd=cwd, env={**os.environ, **(env or {})}, stdout=log,
                                stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise InfraError(
            f"{description} failed (exit {result.returncode}): {' '.join(argv)}\n"
            f"Last lines of {log_file}:\n{log_tail(log_file)}",
        )


def apt_install(packages: Sequence[str], *, log_file: Path) -> None:
    """Install Debian packages non-interactively (refreshing the package lists first), output to ``log_file``."""
    names = " ".join(packages)
    run_install_step("apt-get update", ["apt-get", "update", "-q"], log_file=log_file)
    run_install_step(f"apt-get install {names}",
                     ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
                     env={"DEBIAN_FRONTEND": "noninteractive"}, log_file=log_file)
