from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import PathSettings


class RegistrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_REGISTRY_")

    service_name: str = "registry"
    host: str = "127.0.0.1"
    port: int = 8070
    tokens_file: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "registry" / "tokens.yaml",
                              description="bearer token -> principal and roles (local development)")
    redis_prefix: str = Field(default="mailspine:registry", description="the materialized view's key prefix")
    bootstrap: bool = Field(default=True, description="publish prompts/ for prompt names the registry lacks")
    write_timeout_seconds: float = Field(default=10.0, description="how long a change may take to reach the log "
                                         "and come back through the registry's own follower")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
