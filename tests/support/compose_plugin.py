"""The `docker compose` CLI plugin, built from its Go module, so docker-compose.yml can be validated here.

Validation (`docker compose config`) needs no Docker engine. The plugin lives in the cache and is found
through DOCKER_CONFIG, so the user's own ~/.docker is never touched.
"""

from pathlib import Path

from infra.go_build import build_go_command
from shared.settings import PathSettings

COMPOSE_MODULE = "github.com/docker/compose/v2"
COMPOSE_VERSION = "v2.40.3"


def ensure_compose_plugin(paths: PathSettings | None = None) -> Path:
    """Returns the DOCKER_CONFIG directory whose cli-plugins/ holds docker-compose."""
    paths = paths or PathSettings()
    docker_config = paths.cache / f"docker-config-compose-{COMPOSE_VERSION}"
    plugin = docker_config / "cli-plugins" / "docker-compose"
    if not plugin.exists():
        print(f"  building the docker compose plugin {COMPOSE_VERSION} (first run only)", flush=True)
        build_go_command(
            COMPOSE_MODULE, COMPOSE_VERSION, "./cmd",
            output=plugin, source_root=paths.cache / "src",
            log_file=paths.home / "log" / "install-compose.log",
            ldflags=f"-X {COMPOSE_MODULE}/internal.Version={COMPOSE_VERSION}",
        )
    return docker_config
