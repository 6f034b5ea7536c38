"""Fake customers for an empty CRM (data/crm/customers.yaml): invented names and example.* addresses only."""

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from standins.crm.database import CrmDatabase


class SeedCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str
    customer_id: str
    name: str | None = None
    tier: str | None = None
    addresses: list[str] = Field(min_length=1)


def seed_if_empty(database: CrmDatabase, seed_file: Path | None) -> int:
    if seed_file is None or not seed_file.exists() or not database.is_empty():
        return 0
    rows = yaml.safe_load(seed_file.read_text(encoding="utf-8")) or {}
    customers = [SeedCustomer.model_validate(row) for row in rows.get("customers") or []]
    for customer in customers:
        database.add_customer(customer.tenant, customer.addresses, customer.name, customer.tier, customer.customer_id)
    return len(customers)
