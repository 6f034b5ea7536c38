"""CRM-writer tool: the only service that writes to crm.writes.v1, exactly once per idempotency key."""
