"""Deliberately changed versions of a prompt, for tests and for the judge-agreement eval: a judge is only
useful if it tells the extractions of a degraded prompt from those of the production one."""

from collections.abc import Callable

from shared.prompts import PromptArtifact

DEGRADED_CHANGELOG = "Shorter system prompt (drops the intent guide and the high-stakes rules)"


def drop_guides(system: str) -> str:
    """The system prompt without its intent guide and high-stakes rules (the CRM-action guide stays)."""
    kept, skipping = [], False
    for line in system.split("\n"):
        if line.startswith(("Intents:", "high_stakes is true")):
            skipping = True
        elif line.startswith("CRM actions"):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def variant(artifact: PromptArtifact, version: str, changelog: str, edit: Callable[[str], str],
            name: str | None = None) -> PromptArtifact:
    """A sealed new version whose system message is ``edit`` applied to the artifact's."""
    system, *rest = artifact.messages
    return artifact.model_copy(update={
        "name": name or artifact.name, "version": version, "changelog": changelog, "content_hash": None,
        "messages": [system.model_copy(update={"content": edit(system.content)}), *rest]}).sealed()


def degraded(artifact: PromptArtifact) -> PromptArtifact:
    """An in-memory ``<name>-degraded`` version without the guides; never published."""
    return variant(artifact, artifact.version, DEGRADED_CHANGELOG, drop_guides, name=f"{artifact.name}-degraded")
