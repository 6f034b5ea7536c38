"""Restarts the bench needs: the services with tracing off (and back), the reference model behind added latency
(and back). Both act only on processes this checkout's stack started (by PID file) and restore what they found."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

from infra.process import read_pid
from shared.errors import UserError

TRACING_ENABLED = "MAILSPINE_TRACING_ENABLED"
MODEL_LATENCY = "MAILSPINE_REFERENCE_MODEL_ADDED_LATENCY_SECONDS"


def require_services() -> set[str]:
    """The names of the stack's services; every one must be running."""
    from infra.service_processes import service_status  # reads the stack's settings: only once they are final

    status = service_status()
    stopped = sorted(name for name, running in status.items() if not running)
    if stopped:
        raise UserError(f"services not running: {', '.join(stopped)}; start the stack with `mailspine up` "
                        "(or the test stack) before `mailspine bench`")
    return set(status)


@contextmanager
def _environment(name: str, value: str | None) -> Iterator[None]:
    before = os.environ.get(name)
    _set(name, value)
    try:
        yield
    finally:
        _set(name, before)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _restart_services() -> None:
    from infra.service_processes import start_services, stop_services

    stop_services()
    start_services()  # each child takes this process's environment


@contextmanager
def tracing_off() -> Iterator[None]:
    """Every service restarted without its span exporter; restarted as before on the way out."""
    try:
        with _environment(TRACING_ENABLED, "false"):
            _restart_services()
            yield
    finally:
        _restart_services()


@contextmanager
def model_latency(seconds: float) -> Iterator[None]:
    """The reference model restarted with ``seconds`` of added latency per chat completion; as before after."""
    if seconds <= 0:
        yield
        return
    from infra.servers.reference_model import ReferenceModelServer
    from shared.llm import LlmSettings

    if not LlmSettings.load().is_reference:
        raise UserError("--model-latency needs the local reference model; a real model endpoint is configured")
    server = ReferenceModelServer()
    if read_pid(server.pid_file) is None:
        raise UserError(f"--model-latency restarts the reference model, but this stack did not start one "
                        f"(no PID file {server.pid_file})")
    try:
        server.stop()
        with _environment(MODEL_LATENCY, f"{seconds:g}"):
            ReferenceModelServer().start()
            yield
    finally:
        server.stop()
        ReferenceModelServer().start()
