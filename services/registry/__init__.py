"""Prompt registry: versioned prompts, labels and canary rollouts, with Kafka as the source of truth, a Redis
view, an HTTP API (127.0.0.1:8070) and a promotion gate on offline eval runs. See README.md here."""
