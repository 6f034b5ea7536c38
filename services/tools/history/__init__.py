"""History-lookup tool: the customer's CRM record, open cases and past interactions, read with a read-only token;
it returns keys, ids and amounts, never a name or an address."""
