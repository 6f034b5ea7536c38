"""The CRM's read API as the recipient rule's ``CustomerDirectory``: the customer record found by an address
(``POST /v1/tenants/{tenant}/customers/by-address``), read with the email sender's own token of scope
``crm:read`` (it can read the CRM, never write it)."""

import httpx

from shared.contracts.crm_read import AddressLookup, CrmCustomer
from shared.errors import RetryLater


class CrmReadApi:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, base_url: str, token: str, timeout_seconds: float) -> "CrmReadApi":
        # connection attempts are retried by the transport; an answered error is not retried
        return cls(httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                                     timeout=timeout_seconds, transport=httpx.AsyncHTTPTransport(retries=3)))

    async def close(self) -> None:
        await self.client.aclose()

    async def addresses_on_record(self, tenant: str, address: str) -> frozenset[str]:
        """RetryLater while the CRM cannot answer: a recipient is never allowed on a guess."""
        try:
            answer = await self.client.post(f"/v1/tenants/{tenant}/customers/by-address",
                                            json=AddressLookup(address=address).model_dump())
        except httpx.HTTPError as exc:
            raise RetryLater(f"the CRM read API did not answer: {type(exc).__name__}") from exc
        if answer.status_code == 404:
            return frozenset()
        if answer.status_code != 200:
            # 401/403 too: a wrong token is a misconfiguration to see and fix, redelivered until it is
            raise RetryLater(f"the CRM read API answered {answer.status_code}: {answer.text[:200]}")
        customer = CrmCustomer.model_validate_json(answer.content)
        return frozenset(entry.address for entry in customer.addresses)
