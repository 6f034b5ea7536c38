from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.evaluator_endpoint import EvaluatorEndpoint
from shared.prompts.registry_endpoint import RegistryEndpoint
from shared.settings import REPO_ROOT, PathSettings, TracingSettings


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
    people_file: Path = Field(default=REPO_ROOT / "config" / "console-roles.yaml",
                              description="roles per person, review SLAs per tenant, claim length")
    people_tokens_file: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "console" / "users.yaml",
                                     description="console sign-in tokens (local development: generated, mode 600)")
    evaluator_url: str = Field(default_factory=lambda: EvaluatorEndpoint().url)
    evaluator_tokens_file: Path = Field(
        default_factory=lambda: EvaluatorEndpoint().tokens_file,
        description="read only, for the console's own evaluator token (principal `console`)")
    trace_query_url: str = Field(default_factory=lambda: TracingSettings().query_url)
    kafka_principal: str = Field(default="review-dashboard", description="reads review requests, writes decisions")
    consumer_group: str = "review-dashboard"
    eval_concurrency: int = Field(default=8, ge=1, description="model requests in flight during an offline eval")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
