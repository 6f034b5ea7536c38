"""Prompts as artifacts: load, validate, hash and render `prompts/<name>/<semver>.yaml`."""

from shared.prompts.artifact import ArtifactError, PromptArtifact, content_hash
from shared.prompts.library import PromptLibrary, prompts_root
from shared.prompts.render import RenderedPrompt, render

__all__ = ["ArtifactError", "PromptArtifact", "PromptLibrary", "RenderedPrompt", "content_hash", "prompts_root",
           "render"]
