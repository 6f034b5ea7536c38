"""Reads one customer from the CRM's read API with the history tool's read-only token."""

from typing import Protocol

import httpx

from shared.contracts.crm_read import CrmCustomer


class CrmUnavailable(Exception):
    """The CRM did not answer, or answered with an error: the call fails with this reason."""


class CustomerSource(Protocol):
    async def customer_by_key(self, tenant: str, customer_key: str) -> CrmCustomer | None: ...


class CrmReader:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, base_url: str, token: str, timeout_seconds: float) -> "CrmReader":
        # connection attempts are retried by the transport; an answered error is not retried
        transport = httpx.AsyncHTTPTransport(retries=3)
        return cls(httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                                     timeout=timeout_seconds, transport=transport))

    async def close(self) -> None:
        await self.client.aclose()

    async def customer_by_key(self, tenant: str, customer_key: str) -> CrmCustomer | None:
        try:
            answer = await self.client.get(f"/v1/tenants/{tenant}/customers/{customer_key}")
        except httpx.HTTPError as exc:
            raise CrmUnavailable(f"the CRM did not answer: {type(exc).__name__}: {exc}") from exc
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise CrmUnavailable(f"the CRM answered {answer.status_code}: {answer.text[:200]}")
        return CrmCustomer.model_validate_json(answer.content)
