"""CRM read-API rows of the least-privilege matrix, derived from standins/crm/access.py READERS: every service
identity with the bearer token it would find as its own (most find none) against a customer record, and each
reader's token against every way of writing over HTTP.

The API reads only; writes reach the CRM as records on crm.writes.v1, which only the CRM writer's Kafka principal
may produce (the Kafka rows prove that). 200 or 404 (asked and allowed, nobody there) is allowed; 401 or 403 is
refused; for a write, 404 or 405 (no such route or method) is refused too.
"""

from functools import partial

import httpx

from shared.contracts.crm_read import CRM_READ_SCOPE
from shared.crm_endpoint import CrmEndpointSettings, crm_read_token_file
from shared.settings import PathSettings
from standins.crm.access import READERS
from tests.support.access_matrix import Probe, service_principals

TENANT = "acme"
CUSTOMER = f"/v1/tenants/{TENANT}/customers/cust_{'0' * 24}"
CUSTOMERS = f"/v1/tenants/{TENANT}/customers"
WRITES = (("PUT", CUSTOMER), ("PATCH", CUSTOMER), ("DELETE", CUSTOMER), ("POST", CUSTOMER), ("POST", CUSTOMERS))


def own_token(principal: str) -> str:
    """The principal's token file, or "" when it holds none."""
    path = crm_read_token_file(PathSettings().secrets_dir, principal)
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


async def attempt(token: str, method: str, path: str, *, write: bool) -> bool:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=CrmEndpointSettings().url, headers=headers, timeout=10) as crm:
        response = await crm.request(method, path, json={"name": "least-privilege probe"} if write else None)
    refusals = (401, 403, 404, 405) if write else (401, 403)
    if response.status_code in refusals:
        return False
    if response.is_success or (not write and response.status_code == 404):
        return True
    raise AssertionError(f"{method} {path}: the CRM answered {response.status_code} {response.text[:300]}")


def crm_probes(scopeless_token: str) -> list[Probe]:
    probes = []
    for principal in service_principals():
        token = own_token(principal)
        may_read = CRM_READ_SCOPE in READERS.get(principal, ())
        probes.append(Probe("crm-api", principal, CUSTOMER, "GET", may_read,
                            partial(attempt, token, "GET", CUSTOMER, write=False)))
        if principal in READERS:  # a read-only token must not write by any method
            probes += [Probe("crm-api", principal, path, method, False, partial(attempt, token, method, path,
                                                                                   write=True))
                       for method, path in WRITES]
    for credential, token in (("no credentials", ""), ("an unknown token", "mscrm_not-a-token"),
                              (f"a token without {CRM_READ_SCOPE}", scopeless_token)):
        probes.append(Probe("crm-api", credential, CUSTOMER, "GET", False,
                            partial(attempt, token, "GET", CUSTOMER, write=False)))
    return probes
