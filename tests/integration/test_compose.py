"""docker-compose.yml describes the same topology as `make up`; `docker compose config` validates it (no engine)."""

import json
import os
import shutil
import subprocess

import pytest

from infra.service_processes import SERVICES
from shared.settings import REPO_ROOT
from tests.support.compose_plugin import ensure_compose_plugin


def test_compose_file_is_valid_and_runs_every_service_and_server() -> None:
    if shutil.which("docker") is None:
        pytest.fail("the docker client is not installed; `make test` needs it to validate docker-compose.yml")
    docker_config = ensure_compose_plugin()
    result = subprocess.run(
        ["docker", "compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "DOCKER_CONFIG": str(docker_config), "MAILSPINE_WEAVIATE_API_KEY": "compose-check",
             "MAILSPINE_WEAVIATE_INDEXER_API_KEY": "compose-indexer",
             "MAILSPINE_WEAVIATE_RETRIEVER_API_KEY": "compose-retriever"},
    )
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"kafka", "redis", "jaeger", "weaviate"} <= set(services)
    assert {spec.name for spec in SERVICES} <= set(services)
    for spec in SERVICES:
        assert services[spec.name]["command"] == ["python", "-m", spec.module]
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["weaviate"]["environment"]["AUTHENTICATION_APIKEY_ENABLED"] == "true"
    for server in ("kafka", "redis", "jaeger", "weaviate"):
        assert all(port.get("host_ip") == "127.0.0.1" for port in services[server].get("ports", []))
