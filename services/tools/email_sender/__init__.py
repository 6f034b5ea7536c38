"""Email-sender tool: sends an approved reply through the outbound relay, to the mail's sender or an address on
the sender's CRM record only, and records it (placeholders kept) on mail.outbound.v1."""
