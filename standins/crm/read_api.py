"""The CRM's read API on 127.0.0.1: a customer record by customer key, or by address (POST, so the address stays
out of URLs and logs). Every route needs a bearer token with the scope ``crm:read``."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request

from shared.bearer_auth import Caller
from shared.bearer_tokens import Principal
from shared.contracts.crm_read import CRM_READ_SCOPE, AddressLookup, CrmCustomer
from standins.crm.database import CrmDatabase


def reader(caller: Caller) -> Principal:
    if not caller.has(CRM_READ_SCOPE):
        raise HTTPException(403, f"{caller.name} lacks the scope {CRM_READ_SCOPE}")
    return caller


Reader = Annotated[Principal, Depends(reader)]


def _database(request: Request) -> CrmDatabase:
    database: CrmDatabase = request.app.state.database
    return database


def install(app: FastAPI) -> None:
    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, str]:
        if not getattr(request.app.state, "ready", False):
            raise HTTPException(503, "starting")
        return {"status": "ok"}

    @app.get("/v1/tenants/{tenant}/customers/{customer_key}")
    def customer_by_key(tenant: str, customer_key: str, request: Request, _: Reader) -> CrmCustomer:
        customer = _database(request).customer_by_key(tenant, customer_key)
        if customer is None:
            raise HTTPException(404, "no customer with this key in this tenant")
        return customer

    @app.post("/v1/tenants/{tenant}/customers/by-address")
    def customer_by_address(tenant: str, lookup: AddressLookup, request: Request, _: Reader) -> CrmCustomer:
        database = _database(request)
        customer_id = database.customer_of_address(tenant, lookup.address)
        customer = database.customer(tenant, customer_id) if customer_id else None
        if customer is None:
            raise HTTPException(404, "no customer with this address in this tenant")
        return customer
