"""docker-compose.yml describes the same topology as `make up`; `docker compose config` validates it (no engine)."""

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from infra.service_processes import SERVICES
from shared.settings import REPO_ROOT
from tests.support.compose_plugin import ensure_compose_plugin


def _compose_config(**env: str) -> dict[str, Any]:
    if shutil.which("docker") is None:
        pytest.fail("the docker client is not installed; `make test` needs it to validate docker-compose.yml")
    docker_config = ensure_compose_plugin()
    result = subprocess.run(
        ["docker", "compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "DOCKER_CONFIG": str(docker_config), "MAILSPINE_WEAVIATE_API_KEY": "compose-check",
             "MAILSPINE_WEAVIATE_INDEXER_API_KEY": "compose-indexer",
             "MAILSPINE_WEAVIATE_RETRIEVER_API_KEY": "compose-retriever", **env},
    )
    assert result.returncode == 0, result.stderr
    services: dict[str, Any] = json.loads(result.stdout)["services"]
    return services


def test_compose_file_is_valid_and_runs_every_service_and_server() -> None:
    services = _compose_config()
    assert {"kafka", "redis", "jaeger", "weaviate"} <= set(services)
    assert {spec.name for spec in SERVICES} <= set(services)
    for spec in SERVICES:
        assert services[spec.name]["command"] == ["python", "-m", spec.module]
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["weaviate"]["environment"]["AUTHENTICATION_APIKEY_ENABLED"] == "true"
    for server in ("kafka", "redis", "jaeger", "weaviate"):
        assert all(port.get("host_ip") == "127.0.0.1" for port in services[server].get("ports", []))


def test_each_pure_consumer_scales_by_replicas_like_mailspine_up_does() -> None:
    replicable = [spec.name for spec in SERVICES if spec.replicable]
    default = _compose_config()
    assert {name: default[name]["deploy"]["replicas"] for name in replicable} == dict.fromkeys(replicable, 1)
    scaled = _compose_config(MAILSPINE_RUNTIME_REPLICAS="2", MAILSPINE_GATEWAY_REPLICAS="2")
    assert (scaled["runtime"]["deploy"]["replicas"], scaled["gateway"]["deploy"]["replicas"]) == (2, 2)
    assert all("deploy" not in scaled[spec.name] for spec in SERVICES if not spec.replicable)
