"""Jaeger v2 built from its Go module, memory storage, OTLP in, /api/v3 query out, all on loopback."""

from collections.abc import Sequence
from pathlib import Path

import httpx

from infra.go_build import build_go_command
from infra.servers.base import Server
from shared.settings import PathSettings, TracingSettings

# The Go module proxy serves this release of the root module; its cmd/jaeger is the v2 binary.
# (The module path has no /v2, so v2.x tags are not installable, and its go.mod has replace
# directives, so it is built inside the module rather than with `go install`.)
JAEGER_MODULE = "github.com/jaegertracing/jaeger"
JAEGER_MODULE_VERSION = "v1.76.0"

CONFIG = """\
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: info

extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:{health_port}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:{query_port}
    grpc:
      endpoint: 127.0.0.1:{query_grpc_port}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{otlp_grpc_port}
      http:
        endpoint: 127.0.0.1:{otlp_http_port}

processors:
  batch:
    timeout: 200ms

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
"""


class JaegerServer(Server):
    name = "jaeger"
    version = f"Jaeger v2 (module {JAEGER_MODULE_VERSION}), memory storage"
    start_timeout = 30.0

    def __init__(self, settings: TracingSettings | None = None, paths: PathSettings | None = None) -> None:
        super().__init__(paths)
        self.settings = settings or TracingSettings()

    @property
    def ports(self) -> tuple[int, ...]:
        s = self.settings
        return (s.otlp_grpc_port, s.otlp_http_port, s.query_port, s.query_port - 1, s.health_port)

    @property
    def binary(self) -> Path:
        return self.paths.cache / "bin" / f"jaeger-{JAEGER_MODULE_VERSION}"

    def installed(self) -> bool:
        return self.binary.exists()

    def install(self) -> None:
        build_go_command(
            JAEGER_MODULE, JAEGER_MODULE_VERSION, "./cmd/jaeger",
            output=self.binary, source_root=self.paths.cache / "src",
            log_file=self.paths.home / "log" / "install-jaeger.log",
            ldflags=f"-X {JAEGER_MODULE}/internal/version.latestVersion={JAEGER_MODULE_VERSION}",
        )

    def prepare(self) -> None:
        s = self.settings
        (self.config_dir / "config.yaml").write_text(CONFIG.format(
            health_port=s.health_port, query_port=s.query_port, query_grpc_port=s.query_port - 1,
            otlp_grpc_port=s.otlp_grpc_port, otlp_http_port=s.otlp_http_port,
        ))

    def command(self) -> Sequence[str]:
        return [str(self.binary), "--config", str(self.config_dir / "config.yaml")]

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.settings.query_url}/api/v3/services", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False
