"""The CRM stand-in's read API as the recipient rule's ``CustomerDirectory``: the customer record found by an
address, read with a bearer token of scope ``crm:read`` (the email sender can read the CRM, never write it)."""

import httpx

from shared.errors import RetryLater


class CrmReadApi:
    def __init__(self, base_url: str, token: str, timeout_seconds: float = 10.0) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds,
                                        headers={"Authorization": f"Bearer {token}"})

    async def addresses_on_record(self, address: str) -> frozenset[str]:
        try:
            response = await self.client.get("/customers", params={"address": address})
        except httpx.HTTPError as exc:
            raise RetryLater(f"the CRM read API is unreachable: {type(exc).__name__}") from exc
        if response.status_code == 404:
            return frozenset()
        if response.status_code >= 500:
            raise RetryLater(f"the CRM read API answered {response.status_code}")
        response.raise_for_status()  # 401/403: our token is wrong; that is a bug to see, not a refusal
        return frozenset(response.json().get("addresses", []))

    async def aclose(self) -> None:
        await self.client.aclose()


class NoCrmRecords:
    """A directory that knows no customer: only the mail's sender may receive (used when no CRM is configured)."""

    async def addresses_on_record(self, address: str) -> frozenset[str]:
        return frozenset()
