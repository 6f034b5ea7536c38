"""A stand-in for the organisation's outbound SMTP relay: accepts mail only from authenticated senders (the email
sender's account) and delivers everything into one maildir under the state dir, where tests and people read it."""
