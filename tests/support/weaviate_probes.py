"""Weaviate rows of the least-privilege matrix, derived from infra/weaviate_access.py: every service identity with
the API key it would find as its own (most find none), against the mail history's objects and tenants, its schema,
and a collection that is nobody's.

Each probe is one REST request; 2xx means the server allowed it, 401 or 403 that it refused it. The operator makes
a probe tenant (with one object) and a probe collection first and removes both (and anything a probe made) after.
"""

import uuid
from functools import partial
from typing import Any

import httpx

from infra.weaviate_access import OPERATOR, ROLES, WEAVIATE_USERS, WeaviateRole
from shared.settings import WeaviateSettings
from tests.support.access_matrix import Probe, service_principals

VECTOR_SIZE = 384  # the embedding model's: a probe object must fit the collection's vectors


def role_of(user: str) -> WeaviateRole | None:
    return next((role for role in ROLES if user in role.users), None)


def _decision(response: httpx.Response, what: str) -> bool:
    if response.is_success:
        return True
    if response.status_code in (401, 403):
        return False
    raise AssertionError(f"{what}: Weaviate answered {response.status_code} {response.text[:300]}")


class WeaviateProbes:
    def __init__(self) -> None:
        self.settings = WeaviateSettings.load()
        self.history = self.settings.mail_history_collection
        run = uuid.uuid4().hex[:8]
        self.tenant = f"least-privilege-{run}"
        self.other_collection = f"LeastPrivilegeProbe{run}"
        self.probe_object = str(uuid.uuid4())
        self.made_tenants = [self.tenant]
        self.made_collections = [self.other_collection]
        self.operator = self.client(self.settings.api_key)

    def client(self, api_key: str) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        return httpx.AsyncClient(base_url=f"{self.settings.url}/v1", headers=headers, timeout=30)

    async def _as_operator(self, method: str, path: str, body: Any = None) -> None:
        response = await self.operator.request(method, path, json=body)
        assert response.is_success, f"operator {method} {path}: {response.status_code} {response.text[:300]}"

    async def prepare(self) -> None:
        await self._as_operator("POST", f"/schema/{self.history}/tenants", [{"name": self.tenant}])
        await self._as_operator("POST", "/objects", self._object(self.history, self.probe_object))
        await self._as_operator("POST", "/schema", {"class": self.other_collection, "vectorizer": "none"})
        await self._as_operator("POST", "/objects", {"class": self.other_collection, "properties": {"note": "x"}})

    async def close(self) -> None:
        try:
            await self.operator.request("DELETE", f"/schema/{self.history}/tenants", json=self.made_tenants)
            for collection in self.made_collections:
                await self.operator.delete(f"/schema/{collection}")
        finally:
            await self.operator.aclose()

    def _object(self, collection: str, object_id: str) -> dict[str, Any]:
        return {"class": collection, "id": object_id, "tenant": self.tenant,
                "properties": {"mail_id": f"least-privilege-{object_id}", "subject": "probe"},
                "vectors": {"default": [0.1] * VECTOR_SIZE}}

    async def attempt(self, api_key: str, action: str) -> bool:
        """One action with one key: True if Weaviate allowed it, False if it refused it."""
        async with self.client(api_key) as client:
            response = await self._request(client, action)
        return _decision(response, action)

    async def _request(self, client: httpx.AsyncClient, action: str) -> httpx.Response:
        history, tenant = self.history, self.tenant
        if action == "read objects":
            return await client.get("/objects", params={"class": history, "tenant": tenant, "limit": 1})
        if action == "write an object":
            return await client.post("/objects", json=self._object(history, str(uuid.uuid4())))
        if action == "delete an object":
            return await client.delete(f"/objects/{history}/{self.probe_object}", params={"tenant": tenant})
        if action == "create a tenant":
            name = f"{tenant}-{uuid.uuid4().hex[:6]}"
            self.made_tenants.append(name)
            return await client.post(f"/schema/{history}/tenants", json=[{"name": name}])
        if action == "delete its tenant":
            return await client.request("DELETE", f"/schema/{history}/tenants", json=[tenant])
        if action == "delete the collection":
            return await client.delete(f"/schema/{history}")
        if action == "create a collection":
            name = f"LeastPrivilegeMade{uuid.uuid4().hex[:8]}"
            self.made_collections.append(name)
            return await client.post("/schema", json={"class": name, "vectorizer": "none"})
        if action == "read another collection":
            return await client.get("/objects", params={"class": self.other_collection, "limit": 1})
        raise ValueError(action)


# what a user with a role may do to the mail history; everything else is nobody's (but the operator's)
_HISTORY_ACTIONS = ("read objects", "write an object", "create a tenant")
_NOBODYS_ACTIONS = ("delete an object", "delete its tenant", "delete the collection", "create a collection",
                    "read another collection")


def _may(role: WeaviateRole | None, action: str) -> bool:
    if role is None or action in _NOBODYS_ACTIONS:
        return False
    return action == "read objects" or role.writes


def weaviate_probes(weaviate: WeaviateProbes) -> list[Probe]:
    probes = []
    for principal in service_principals():
        key = WeaviateSettings.for_user(principal).api_key  # "" for a service without a key of its own
        role = role_of(principal)
        resource = f"{weaviate.history}/{weaviate.tenant}"
        # a service without a key is anonymous: asked once per history action, like every other service
        for action in _HISTORY_ACTIONS + (_NOBODYS_ACTIONS if principal in WEAVIATE_USERS else ()):
            target = weaviate.other_collection if action == "read another collection" else resource
            probes.append(Probe("weaviate", principal, target, action, _may(role, action),
                                partial(weaviate.attempt, key, action)))
    for credential, key in (("no credentials", ""), (f"{OPERATOR}, wrong key", "not-the-key")):
        probes.append(Probe("weaviate", credential, weaviate.history, "read objects", False,
                            partial(weaviate.attempt, key, "read objects")))
    return probes
