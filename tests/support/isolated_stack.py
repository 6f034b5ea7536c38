"""The test stack's own state directory and ports, so `make test` never touches the stack `make up` started.

Every server and service reads its address from ``MAILSPINE_*`` settings, so setting them here (before any
settings object exists) gives the test session a separate Kafka, Redis, Jaeger, Weaviate, reference model and
service processes: other ports, other data, other secrets, other consumer groups. Processes the tests start
inherit the environment. ``MAILSPINE_TEST_PORT_BASE`` moves the whole block (default 19000), so two checkouts
can run their suites side by side.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORT_BASE = 19000

# each component keeps the last two digits of its usual port, so a test port reads like the one it replaces
_PORT_SUFFIXES = {
    "MAILSPINE_KAFKA_CONTROLLER_PORT": 93,
    "MAILSPINE_REDIS_PORT": 79,
    "MAILSPINE_TRACING_OTLP_GRPC_PORT": 17,
    "MAILSPINE_TRACING_OTLP_HTTP_PORT": 18,
    "MAILSPINE_TRACING_QUERY_PORT": 86,  # its gRPC twin takes the port below
    "MAILSPINE_TRACING_HEALTH_PORT": 33,
    "MAILSPINE_WEAVIATE_HTTP_PORT": 40,  # the four cluster ports above it follow
    "MAILSPINE_WEAVIATE_GRPC_PORT": 51,
    "MAILSPINE_REGISTRY_PORT": 70,
    "MAILSPINE_CONSOLE_PORT": 71,
    "MAILSPINE_EVALUATOR_PORT": 72,
    "MAILSPINE_CRM_PORT": 73,
    "MAILSPINE_REFERENCE_MODEL_PORT": 60,
    "MAILSPINE_MAIL_INGEST_PORT": 24,  # LMTP's own port number is 24
    "MAILSPINE_SMTP_RELAY_PORT": 26,  # not 25: the test Postfix listens there (the LMTP port + 1)
}
KAFKA_SUFFIX = 92


def stack_environment(port_base: int, home: Path) -> dict[str, str]:
    """The variables that point every process at the test stack."""
    env = {name: str(port_base + suffix) for name, suffix in _PORT_SUFFIXES.items()}
    env["MAILSPINE_KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{port_base + KAFKA_SUFFIX}"
    env["MAILSPINE_PROMPTS_REGISTRY_URL"] = f"http://127.0.0.1:{port_base + _PORT_SUFFIXES['MAILSPINE_REGISTRY_PORT']}"
    env["MAILSPINE_HOME"] = str(home)
    # the tests restart Kafka while tool calls are out (about half a minute without a broker on this machine): a
    # call must outlive that, or its run ends without the write the tool then makes anyway
    env["MAILSPINE_RUNTIME_TOOL_DEADLINE_SECONDS"] = "120"
    # the history tool at 10 calls/s per tenant, so the burst test sees its limit at work
    env["MAILSPINE_HISTORY_LIMITS_FILE"] = str(Path(__file__).with_name("tool-limits.yaml"))
    return env


def isolate_test_stack() -> dict[str, str]:
    """Point this process (and its children) at the test stack; returns what was set."""
    port_base = int(os.environ.get("MAILSPINE_TEST_PORT_BASE", DEFAULT_PORT_BASE))
    home = Path(os.environ.get("MAILSPINE_TEST_HOME", REPO_ROOT / "var" / "test"))
    env = stack_environment(port_base, home)
    os.environ.update(env)
    return env


if __name__ == "__main__":
    # `eval "$(python -m tests.support.isolated_stack)"` points a shell at the test stack
    for name, value in isolate_test_stack().items():
        print(f"export {name}={value}")
