"""The registry's state as a fold over its two topics, and label resolution over that state.

The registry service and every PromptClient run the same fold, so they agree on what a label means. A
published record whose artifact does not match its recorded hash is refused here, wherever it is read.
"""

from dataclasses import dataclass, field
from typing import Literal

from shared.contracts.registry import Label, LabelState, PublishedVersion, RegistryEvent
from shared.prompts.artifact import ArtifactError, PromptArtifact, parse_artifact
from shared.prompts.rollout import choose_arm


class PromptNotFound(LookupError):
    """The caller asked for a prompt, version or label the registry does not have."""


@dataclass(frozen=True)
class Resolution:
    name: str
    label: Label
    version: str
    content_hash: str
    arm: Literal["stable", "canary"]
    artifact: PromptArtifact


def verified_artifact(record: PublishedVersion) -> PromptArtifact:
    """The record's artifact, refused unless its content matches the hash recorded in it and in the record."""
    artifact = parse_artifact(record.artifact, f"registry record {record.ref}").verify()
    if (artifact.name, artifact.version) != (record.name, record.version):
        raise ArtifactError(f"registry record {record.ref} holds {artifact.ref}")
    if artifact.content_hash != record.content_hash:
        raise ArtifactError(f"registry record {record.ref}: the record says {record.content_hash}, "
                            f"the artifact says {artifact.content_hash}")
    return artifact


@dataclass
class PromptState:
    name: str
    versions: dict[str, PublishedVersion] = field(default_factory=dict)
    artifacts: dict[str, PromptArtifact] = field(default_factory=dict)
    labels: LabelState = field(default_factory=LabelState)
    events: list[RegistryEvent] = field(default_factory=list)

    def sorted_versions(self) -> list[str]:
        return sorted(self.versions, key=lambda v: tuple(int(part) for part in v.split(".")))

    def owner(self) -> str | None:
        """The owner named by the newest published version: who may promote and roll back."""
        versions = self.sorted_versions()
        return self.artifacts[versions[-1]].owner if versions else None

    def hash_of(self, version: str | None) -> str | None:
        return self.versions[version].content_hash if version in self.versions else None


@dataclass
class RegistryState:
    prompts: dict[str, PromptState] = field(default_factory=dict)

    def _prompt(self, name: str) -> PromptState:
        return self.prompts.setdefault(name, PromptState(name))

    def apply_published(self, record: PublishedVersion) -> bool:
        """Add a version; a known name@version keeps its first content (versions are immutable).
        Raises ArtifactError for a record that fails verification. Returns whether anything changed."""
        artifact = verified_artifact(record)
        prompt = self._prompt(record.name)
        known = prompt.versions.get(record.version)
        if known is not None:
            if known.content_hash != record.content_hash:
                raise ArtifactError(f"{record.ref} is already published as {known.content_hash}; a second record "
                                    f"with {record.content_hash} is refused (published versions are immutable)")
            return False
        prompt.versions[record.version] = record
        prompt.artifacts[record.version] = artifact
        return True

    def apply_event(self, event: RegistryEvent) -> None:
        prompt = self._prompt(event.prompt)
        if any(seen.event_id == event.event_id for seen in prompt.events[-50:]):
            return  # a redelivered event
        prompt.events.append(event)
        if event.kind != "version_published":
            prompt.labels = event.labels_after

    def get(self, name: str) -> PromptState:
        prompt = self.prompts.get(name)
        if prompt is None or not prompt.versions:
            raise PromptNotFound(f"no prompt named {name!r} in the registry (have: {', '.join(self.names()) or 'none'})")
        return prompt

    def names(self) -> list[str]:
        return sorted(name for name, prompt in self.prompts.items() if prompt.versions)

    def artifact(self, name: str, version: str) -> PromptArtifact:
        prompt = self.get(name)
        if version not in prompt.artifacts:
            raise PromptNotFound(f"{name} has no version {version} (have: {', '.join(prompt.sorted_versions())})")
        return prompt.artifacts[version]

    def resolve(self, name: str, label: Label = "production", routing_key: str | None = None) -> Resolution:
        return resolve_label(self.get(name), label, routing_key)


def resolve_label(prompt: PromptState, label: Label = "production", routing_key: str | None = None) -> Resolution:
    """The version a caller gets for ``label``. For production with a canary rollout, the routing key picks
    the arm (sticky); asking for ``canary`` or ``staging`` by name gets that version directly."""
    labels = prompt.labels
    version = labels.version_of(label)
    arm: Literal["stable", "canary"] = "canary" if label == "canary" else "stable"
    if label == "production" and labels.canary in prompt.artifacts:
        if choose_arm(prompt.name, routing_key, labels.canary_percent) == "canary":
            version, arm = labels.canary, "canary"
    if version is None or version not in prompt.artifacts:
        raise PromptNotFound(f"{prompt.name} has no {label} version yet")
    return Resolution(name=prompt.name, label=label, version=version, content_hash=prompt.versions[version].content_hash,
                      arm=arm, artifact=prompt.artifacts[version])
