"""One prompt version: template with typed variables, model and parameters, output schema, owner, changelog.

A version is identified by the sha256 of its canonical content (every field except the recorded hash), so an
artifact edited after publication no longer matches its recorded hash and is refused wherever it is loaded.
"""

import hashlib
import json
import re
from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,), "number": (int, float),
                                              "boolean": (bool,)}


class ArtifactError(ValueError):
    """A prompt artifact that must not be used; the message names the file and what to fix."""


class VariableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["string", "integer", "number", "boolean"]
    description: str = Field(min_length=3)

    def accepts(self, value: Any) -> bool:
        if self.type != "boolean" and isinstance(value, bool):
            return False
        return isinstance(value, _PYTHON_TYPES[self.type])


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="the model id sent over the OpenAI protocol")
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int = Field(default=1024, ge=1, le=32768)
    seed: int | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1)


class OutputSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$", description="json_schema name for response_format")
    schema_: dict[str, Any] = Field(alias="schema")

    @field_validator("schema_")
    @classmethod
    def _valid_json_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            raise ValueError(f"output_schema.schema is not a valid JSON schema: {error.message}") from None
        if schema.get("type") != "object":
            raise ValueError("output_schema.schema must describe a JSON object (type: object)")
        return schema


class PromptArtifact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str
    version: str
    owner: str = Field(min_length=1, description="the principal who may promote and roll back this prompt")
    description: str = Field(min_length=10)
    changelog: str = Field(min_length=3, description="what changed in this version, and why")
    model: ModelSpec
    variables: dict[str, VariableSpec]
    messages: list[Message] = Field(min_length=1)
    output_schema: OutputSchema
    content_hash: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not NAME.match(name):
            raise ValueError(f"name {name!r} must be lowercase letters, digits and dashes (e.g. extract-email)")
        return name

    @field_validator("version")
    @classmethod
    def _semver(cls, version: str) -> str:
        if not SEMVER.match(version):
            raise ValueError(f"version {version!r} is not a semantic version MAJOR.MINOR.PATCH (e.g. 1.2.0)")
        return version

    @field_validator("owner")
    @classmethod
    def _owner(cls, owner: str) -> str:
        if not owner.strip():
            raise ValueError("owner must name the person or team who answers for this prompt")
        return owner.strip()

    @model_validator(mode="after")
    def _variables_match_template(self) -> "PromptArtifact":
        used = {name for message in self.messages for name in TEMPLATE_VARIABLE.findall(message.content)}
        declared = set(self.variables)
        if used - declared:
            raise ValueError(f"the template uses undeclared variables: {', '.join(sorted(used - declared))}")
        if declared - used:
            raise ValueError(f"declared variables the template never uses: {', '.join(sorted(declared - used))}")
        return self

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def semver(self) -> tuple[int, int, int]:
        major, minor, patch = (int(part) for part in self.version.split("."))
        return major, minor, patch

    def content(self) -> dict[str, Any]:
        """What the hash covers: everything but the recorded hash."""
        return self.model_dump(mode="json", by_alias=True, exclude={"content_hash"})

    def sealed(self) -> "PromptArtifact":
        """This artifact with its content hash recorded (how a new version is published)."""
        return self.model_copy(update={"content_hash": content_hash(self.content())})

    def verify(self) -> "PromptArtifact":
        """Refuse an artifact without a recorded hash, or whose content no longer matches it."""
        actual = content_hash(self.content())
        if self.content_hash is None:
            raise ArtifactError(f"{self.ref} has no content_hash; seal it (mailspine prompts seal) before use")
        if self.content_hash != actual:
            raise ArtifactError(f"{self.ref}: content does not match its recorded hash "
                                f"(recorded {self.content_hash}, content is {actual}); a published version is "
                                "immutable, so publish the change as a new version")
        return self


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def parse_artifact(data: Any, where: str) -> PromptArtifact:
    """Validate raw data (from YAML or the API) into an artifact, or an ArtifactError naming every problem."""
    if not isinstance(data, dict):
        raise ArtifactError(f"{where}: a prompt artifact is a mapping, got {type(data).__name__}")
    try:
        return PromptArtifact.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'artifact'}: {e['msg']}" for e in error.errors())
        raise ArtifactError(f"{where}: {problems}") from None
