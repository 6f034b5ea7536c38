"""Where the LLM is: a real OpenAI-compatible endpoint (OPENAI_BASE_URL + OPENAI_API_KEY), or else the local
reference model server (rule-based, clearly labelled) with its generated local-development key."""

import secrets
from pathlib import Path

import openai
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import UserError
from shared.settings import PathSettings

REFERENCE_KEY_FILE = "mailspine_reference_model_api_key"


class ReferenceModelSettings(BaseSettings):
    """Where the local reference model server listens."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_REFERENCE_MODEL_")

    host: str = "127.0.0.1"
    port: int = 8090
    # sleeps this long (without burning CPU) before each chat completion, as a hosted model's latency would
    added_latency_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"


class _OpenAIEnvironment(BaseSettings):
    """The two variables every OpenAI client understands, read without a prefix."""

    model_config = SettingsConfigDict(env_prefix="")

    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None


def reference_api_key(paths: PathSettings | None = None) -> str:
    """The reference server's key: a local-development secret, generated on first use (mode 600, folder 700)."""
    paths = paths or PathSettings()
    path: Path = paths.secrets_dir / REFERENCE_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


class LlmSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_LLM_")

    base_url: str
    api_key: SecretStr
    is_reference: bool
    timeout: float = Field(default=60.0, description="seconds per request, before the client's own retries")

    @classmethod
    def load(cls) -> "LlmSettings":
        env = _OpenAIEnvironment()
        if env.openai_base_url and env.openai_api_key:
            return cls(base_url=env.openai_base_url, api_key=env.openai_api_key, is_reference=False)
        if env.openai_base_url or env.openai_api_key:
            missing = "OPENAI_API_KEY" if env.openai_base_url else "OPENAI_BASE_URL"
            present = "OPENAI_BASE_URL" if env.openai_base_url else "OPENAI_API_KEY"
            raise UserError(f"{present} is set but {missing} is not: set both to use a real model endpoint, or "
                            "unset both to use the local reference model server")
        return cls(base_url=ReferenceModelSettings().base_url, api_key=SecretStr(reference_api_key()),
                   is_reference=True)


def build_async_client(settings: LlmSettings) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=settings.base_url, api_key=settings.api_key.get_secret_value(),
                              timeout=settings.timeout, max_retries=2)
