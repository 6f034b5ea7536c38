"""A private registry process for tests and benchmarks: its own port, prompts folder, eval-run folder, tokens
file and Redis prefix, on the real Kafka topics. Its prompt has a unique name, so it never touches the
prompts the running system uses. Started and stopped by its own PID, like every Mailspine process."""

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from infra.process import log_tail, read_pid, start_daemon, stop_daemon
from shared.bearer_tokens import TokenTable
from shared.prompts import PromptArtifact, PromptLibrary
from shared.prompts.access import ensure_local_tokens
from shared.prompts.library import write_artifact
from shared.settings import REPO_ROOT, RedisSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def derived_prompt(name: str, version: str, note: str = "", owner: str = "ana.kovacs") -> PromptArtifact:
    """A new prompt (or version) built from extract-email, sealed."""
    base = PromptLibrary(REPO_ROOT / "prompts").get("extract-email", "1.0.0")
    system, user = base.messages
    return base.model_copy(update={
        "name": name, "version": version, "owner": owner, "content_hash": None,
        "changelog": f"version {version}{': ' + note if note else ''}",
        "messages": [system.model_copy(update={"content": system.content + note}), user]}).sealed()


@dataclass
class PrivateRegistry:
    root: Path
    prompt: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.root / "registry.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "registry.log"

    @property
    def eval_runs_dir(self) -> Path:
        return self.root / "eval-runs"

    @property
    def tokens_file(self) -> Path:
        return self.root / "tokens.yaml"

    def env(self) -> dict[str, str]:
        return {"MAILSPINE_REGISTRY_PORT": str(self.port), "MAILSPINE_REGISTRY_TOKENS_FILE": str(self.tokens_file),
                "MAILSPINE_REGISTRY_REDIS_PREFIX": f"registry:test:{self.prompt}",
                "MAILSPINE_PROMPTS_DIR": str(self.root / "prompts"),
                "MAILSPINE_EVAL_RUNS_DIR": str(self.eval_runs_dir), "MAILSPINE_TRACING_ENABLED": "false"}

    def token(self, principal: str) -> str:
        token = TokenTable(self.tokens_file).token_of(principal)
        assert token is not None, principal
        return token

    def call(self, method: str, path: str, as_: str | None = "viewer", body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(as_)}"} if as_ else {}
        return httpx.request(method, f"{self.url}{path}", json=body, headers=headers, timeout=30.0)

    def start(self, timeout: float = 60.0) -> int:
        pid = start_daemon(f"registry {self.prompt}", [sys.executable, "-m", "services.registry"],
                           pid_file=self.pid_file, log_file=self.log_file, env=self.env(), cwd=REPO_ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if read_pid(self.pid_file) is None:
                raise RuntimeError(f"the registry exited:\n{log_tail(self.log_file)}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return pid
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the registry did not answer within {timeout:.0f}s:\n{log_tail(self.log_file)}")

    def stop(self) -> None:
        stop_daemon(self.pid_file)


@contextmanager
def private_registry(root: Path, purpose: str) -> Iterator[PrivateRegistry]:
    """A registry whose prompts folder holds one new prompt ``t<hex>-<purpose>`` at 1.0.0 (bootstrapped to
    production on start), owned by ana.kovacs."""
    registry = PrivateRegistry(root=root, prompt=f"t{uuid.uuid4().hex[:8]}-{purpose}", port=free_port())
    root.mkdir(parents=True, exist_ok=True)
    write_artifact(root / "prompts", derived_prompt(registry.prompt, "1.0.0"))
    ensure_local_tokens(registry.tokens_file)
    registry.start()
    try:
        yield registry
    finally:
        registry.stop()
        redis = RedisSettings.for_user("registry").sync_client()
        keys = list(redis.scan_iter(match=f"{registry.env()['MAILSPINE_REGISTRY_REDIS_PREFIX']}:*"))
        if keys:
            redis.delete(*keys)
        redis.close()


class PromptWatcher:
    """A separate process running a PromptClient (``python -m benchmarks.prompt_watch``); each stdout line is
    one change it observed: version, arm, stale, and the wall-clock time it saw it."""

    def __init__(self, registry: PrivateRegistry, routing_key: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        argv = [sys.executable, "-u", "-m", "benchmarks.prompt_watch", "--prompt", registry.prompt,
                "--registry-url", registry.url]
        if routing_key:
            argv += ["--routing-key", routing_key]
        self.process = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env={**os.environ, **(env or {})})
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put("")

    def next_line(self, timeout: float = 60.0) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"the watcher reported nothing for {timeout:.0f}s") from None
        if not line:
            stderr = self.process.stderr.read() if self.process.stderr else ""
            raise RuntimeError(f"the watcher exited: {stderr[-2000:]}")
        reported: dict[str, Any] = json.loads(line)
        return reported

    def until(self, condition: Any, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            line = self.next_line(max(0.1, deadline - time.monotonic()))
            if condition(line):
                return line

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
