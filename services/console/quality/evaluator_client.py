"""The online evaluator's HTTP API as the console reads it, with the console's own token (principal ``console``)."""

from typing import Any

import httpx

from shared.bearer_tokens import TokenTable

PRINCIPAL = "console"


class EvaluatorUnavailable(Exception):
    """The evaluator did not answer, or refused: the message says which and what to do."""


class EvaluatorClient:
    def __init__(self, http: httpx.AsyncClient, tokens: TokenTable) -> None:
        self.http, self.tokens = http, tokens

    async def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        token = self.tokens.token_of(PRINCIPAL)
        if token is None:
            raise EvaluatorUnavailable(f"the console has no evaluator token: give the principal {PRINCIPAL!r} one in "
                                       f"{self.tokens.path} (the evaluator generates it on its first start)")
        try:
            response = await self.http.get(path, params={k: v for k, v in params.items() if v not in (None, "")},
                                            headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise EvaluatorUnavailable(f"the online evaluator at {self.http.base_url} is not reachable ({exc})") \
                from None
        if response.status_code != 200:
            detail = response.json().get("detail") if response.headers.get("content-type", "").startswith(
                "application/json") else response.text
            raise EvaluatorUnavailable(f"the online evaluator refused ({response.status_code}): {detail}")
        found: dict[str, Any] = response.json()
        return found

    async def answer(self, *, prompt: str | None, tenant: str | None, model: str | None, window_minutes: float,
                     baseline_minutes: float) -> dict[str, Any]:
        return await self._get("/v1/quality", {"prompt": prompt, "tenant": tenant, "model": model,
                                               "window_minutes": window_minutes,
                                               "baseline_minutes": baseline_minutes})

    async def series(self, *, prompt: str | None, tenant: str | None, model: str | None,
                     hours: float) -> dict[str, Any]:
        return await self._get("/v1/quality/series", {"prompt": prompt, "tenant": tenant, "model": model,
                                                      "hours": hours})
