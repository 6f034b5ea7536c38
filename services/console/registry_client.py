"""The prompt registry's HTTP API as the console uses it, with the signed-in person's bearer token.
A refusal keeps the registry's own one-line message, which the console shows verbatim."""

from typing import Any

import httpx

from shared.contracts.registry import Label
from shared.prompts.artifact import PromptArtifact, parse_artifact


class RegistryRefused(Exception):
    """The registry answered with an error; ``detail`` is its message, unchanged."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class RegistryUnavailable(Exception):
    """The registry does not answer."""


class RegistryClient:
    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.token = token

    async def _call(self, method: str, path: str, *, body: dict[str, Any] | None = None,
                    params: dict[str, str] | None = None) -> Any:
        try:
            response = await self.http.request(method, f"/v1{path}", json=body, params=params,
                                               headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"the prompt registry at {self.http.base_url} does not answer "
                                      f"({type(exc).__name__}); start it with `mailspine up`") from None
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("detail"))
            except ValueError:
                detail = response.text.strip()[:500]
            raise RegistryRefused(response.status_code, detail)
        return response.json()

    async def list_prompts(self) -> list[dict[str, Any]]:
        prompts: list[dict[str, Any]] = await self._call("GET", "/prompts")
        return prompts

    async def prompt(self, name: str) -> dict[str, Any]:
        """owner, labels, versions (oldest first, with changelog and who published), recent events."""
        summary: dict[str, Any] = await self._call("GET", f"/prompts/{name}")
        return summary

    async def artifact(self, name: str, version: str) -> PromptArtifact:
        record = await self._call("GET", f"/prompts/{name}/versions/{version}")
        return parse_artifact(record["artifact"], f"{name}@{version} from the registry").verify()

    async def publish(self, artifact: PromptArtifact) -> dict[str, Any]:
        published: dict[str, Any] = await self._call(
            "POST", "/prompts", body={"artifact": artifact.model_dump(mode="json", by_alias=True)})
        return published

    async def promote(self, name: str, *, version: str, label: Label, percent: float | None,
                      reason: str) -> dict[str, Any]:
        body = {"version": version, "label": label, "percent": percent, "reason": reason}
        promoted: dict[str, Any] = await self._call("POST", f"/prompts/{name}/promote", body=body)
        return promoted

    async def eval_runs(self, name: str, version: str) -> dict[str, Any]:
        """This version's eval runs (newest last) and whether the promotion gate is open right now."""
        runs: dict[str, Any] = await self._call("GET", f"/prompts/{name}/versions/{version}/eval-runs")
        return runs
