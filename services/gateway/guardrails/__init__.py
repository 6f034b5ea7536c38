"""Prompt-injection guardrails: rules plus a small classifier trained offline, combined into a verdict."""
