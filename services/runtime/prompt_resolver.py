"""The runtime's port to the prompt registry: resolve a prompt by label (shared/prompts/client.py implements it)."""

from typing import Any, Protocol

from shared.contracts.registry import Label


class PromptResolver(Protocol):
    async def resolve(self, name: str, label: Label = "production", routing_key: str | None = None,
                      variables: dict[str, Any] | None = None) -> Any: ...
