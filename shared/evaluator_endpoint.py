"""Where the online evaluator's HTTP API listens and where its local-development tokens file is: what the
evaluator and its readers (the console's quality page) agree on, read from the ``MAILSPINE_EVALUATOR_*`` variables."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import PathSettings


class EvaluatorEndpoint(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_EVALUATOR_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8072
    tokens_file: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "evaluator" / "tokens.yaml",
                              description="bearer token -> principal and roles (local development)")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
