"""Contracts of registry.prompts.v1 (one record per published version) and registry.events.v1 (every change).

Every event carries the prompt's labels as they are after it, so the registry's view is a fold that needs no
history to interpret an event, and a replay from the beginning always ends in the same state.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Label = Literal["production", "canary", "staging"]
Arm = Literal["stable", "canary"]
EventKind = Literal["version_published", "label_set", "promoted", "rolled_back"]


class PublishedVersion(BaseModel):
    """Value of registry.prompts.v1, key ``name@version``: the artifact (with its recorded hash), who, when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    content_hash: str
    artifact: dict[str, Any] = Field(description="the artifact as published, content_hash included")
    published_by: str
    published_at: datetime

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


class LabelState(BaseModel):
    """Which version each label points at, and the canary rollout on top of production."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    production: str | None = None
    staging: str | None = None
    canary: str | None = None
    canary_percent: float = Field(default=0.0, ge=0.0, le=100.0)
    # earlier production versions, oldest first: where a production rollback returns to
    production_history: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _canary_has_a_share(self) -> "LabelState":
        if self.canary is None and self.canary_percent:
            raise ValueError("canary_percent without a canary version")
        return self

    def version_of(self, label: Label) -> str | None:
        return {"production": self.production, "staging": self.staging, "canary": self.canary}[label]


class RegistryEvent(BaseModel):
    """Value of registry.events.v1, key = prompt name (so one prompt's events stay in order)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str
    kind: EventKind
    prompt: str
    version: str | None = Field(description="the version the change is about; None when a canary is removed")
    content_hash: str | None
    label: Label | None = None
    previous_version: str | None = Field(default=None, description="what the label pointed at before")
    canary_percent: float | None = None
    eval_run_id: str | None = Field(default=None, description="the passing eval run that let a promotion through")
    actor: str = Field(description="the authenticated principal who made the change")
    reason: str = Field(description="why; required from a person for promote and rollback")
    at: datetime
    labels_after: LabelState
