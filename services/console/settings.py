from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.prompts.registry_endpoint import RegistryEndpoint
from shared.settings import PathSettings


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_CONSOLE_")

    service_name: str = "console"
    host: str = "127.0.0.1"
    port: int = 8071
    registry_url: str = Field(default_factory=lambda: RegistryEndpoint().url)
    registry_tokens_file: Path = Field(
        default_factory=lambda: RegistryEndpoint().tokens_file,
        description="read only, to show who a token belongs to and whether they may promote (the registry's API "
                    "does not say); the registry itself still decides")
    session_key_file: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "console" / "session_key",
                                   description="local-development cookie key, generated on first run (mode 600)")
    session_max_age_seconds: int = Field(default=8 * 3600, description="a sign-in lasts this long")
    cookie_secure: bool = Field(default=False, description="set behind HTTPS; local development is plain HTTP")
    eval_concurrency: int = Field(default=8, ge=1, description="model requests in flight during an offline eval")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
