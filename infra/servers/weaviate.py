"""Weaviate from its Go module: API-key authentication and RBAC on, no vectorizer module, persistent data dir."""

from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from infra.servers.base import Server, run_install_step
from infra.weaviate_access import OPERATOR, api_keys
from shared.settings import PathSettings, WeaviateSettings

WEAVIATE_VERSION = "v1.38.11"


class WeaviateServer(Server):
    name = "weaviate"
    version = f"Weaviate {WEAVIATE_VERSION}"
    start_timeout = 90.0

    def __init__(self, settings: WeaviateSettings | None = None, paths: PathSettings | None = None) -> None:
        super().__init__(paths)
        self.settings = settings or WeaviateSettings.load()

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.http_port, self.settings.grpc_port)

    @property
    def binary(self) -> Path:
        return self.paths.cache / "bin" / f"weaviate-server-{WEAVIATE_VERSION}"

    def installed(self) -> bool:
        return self.binary.exists()

    def install(self) -> None:
        build_bin = self.paths.cache / "build" / f"weaviate-{WEAVIATE_VERSION}"
        run_install_step(
            f"go install weaviate-server {WEAVIATE_VERSION} (several minutes on first run)",
            ["go", "install", f"github.com/weaviate/weaviate/cmd/weaviate-server@{WEAVIATE_VERSION}"],
            env={"GOBIN": str(build_bin)}, log_file=self.paths.home / "log" / "install-weaviate.log",
        )
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        (build_bin / "weaviate-server").replace(self.binary)

    def environment(self) -> Mapping[str, str]:
        s = self.settings
        keys = api_keys(s)
        return {
            "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
            "AUTHENTICATION_APIKEY_ENABLED": "true",
            # one key per user, in the same order; RBAC roles (infra/weaviate_access.py) say what each may do
            "AUTHENTICATION_APIKEY_ALLOWED_KEYS": ",".join(keys.values()),
            "AUTHENTICATION_APIKEY_USERS": ",".join(keys),
            "AUTHORIZATION_RBAC_ENABLED": "true",
            "AUTHORIZATION_RBAC_ROOT_USERS": OPERATOR,
            "PERSISTENCE_DATA_PATH": str(self.data_dir),
            "DEFAULT_VECTORIZER_MODULE": "none",
            "ENABLE_MODULES": "",
            "GRPC_PORT": str(s.grpc_port),
            "CLUSTER_HOSTNAME": "mailspine-local",
            "CLUSTER_ADVERTISE_ADDR": "127.0.0.1",
            "CLUSTER_BIND_ADDR": "127.0.0.1",
            "CLUSTER_GOSSIP_BIND_PORT": str(s.http_port + 1),
            "CLUSTER_DATA_BIND_PORT": str(s.http_port + 2),
            "RAFT_PORT": str(s.http_port + 3),
            "RAFT_INTERNAL_RPC_PORT": str(s.http_port + 4),
            "RAFT_BOOTSTRAP_EXPECT": "1",
            "DISABLE_TELEMETRY": "true",
            "LIMIT_RESOURCES": "true",
            "GOMEMLIMIT": "1GiB",
            "GO_PROFILING_DISABLE": "true",
        }

    def command(self) -> Sequence[str]:
        return [str(self.binary), "--host", "127.0.0.1", "--port", str(self.settings.http_port),
                "--scheme", "http"]

    def healthy(self) -> bool:
        try:
            url = f"{self.settings.url}/v1/.well-known/ready"
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False
