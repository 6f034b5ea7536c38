"""Where the prompt registry listens and where its local-development tokens file is: what the registry itself
and its peers (the console, the evaluator, the CLI) must agree on, read from the same ``MAILSPINE_REGISTRY_*``
variables."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import PathSettings


class RegistryEndpoint(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_REGISTRY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8070
    tokens_file: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "registry" / "tokens.yaml",
                              description="bearer token -> principal and roles (local development)")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
