"""The CRM stand-in: stands in for the customer's own CRM, which Mailspine does not own. It takes the writes on
crm.writes.v1, checks them by its own rules, stores them in a real database (SQLite), answers each on crm.acks.v1
(accept, or reject with a reason), and serves a read API for the tools that may read it (bearer tokens with the
scope ``crm:read``). It is not part of the product; a deployment points the tools at the real CRM instead."""
