"""Prompt registry: versioned prompts, labels and rollouts. Its service arrives with the registry work."""
