"""Render a prompt's messages from typed variables. Values are substituted once; a value that itself looks
like a placeholder is never expanded, so mail text cannot reach into the template."""

from dataclasses import dataclass
from typing import Any

from shared.prompts.artifact import TEMPLATE_VARIABLE, ArtifactError, PromptArtifact


@dataclass(frozen=True)
class RenderedPrompt:
    artifact: PromptArtifact
    messages: list[dict[str, str]]

    def response_format(self) -> dict[str, Any]:
        schema = self.artifact.output_schema
        return {"type": "json_schema", "json_schema": {"name": schema.name, "schema": schema.schema_,
                                                       "strict": True}}


def render(artifact: PromptArtifact, variables: dict[str, Any]) -> RenderedPrompt:
    missing = set(artifact.variables) - set(variables)
    unknown = set(variables) - set(artifact.variables)
    if missing or unknown:
        raise ArtifactError(f"{artifact.ref}: variables missing: {sorted(missing) or 'none'}, "
                            f"not declared: {sorted(unknown) or 'none'}")
    for name, spec in artifact.variables.items():
        if not spec.accepts(variables[name]):
            raise ArtifactError(f"{artifact.ref}: variable {name} must be {spec.type}, "
                                f"got {type(variables[name]).__name__}")
    messages = [{"role": m.role, "content": TEMPLATE_VARIABLE.sub(lambda match: str(variables[match.group(1)]), m.content)}
                for m in artifact.messages]
    return RenderedPrompt(artifact=artifact, messages=messages)
