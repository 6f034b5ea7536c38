"""A console edit as a new prompt version: the next semantic version, and the sealed artifact built from a base
version with the edited message texts and changelog. Pure, so it is unit-tested without a registry."""

from collections.abc import Iterable, Sequence
from typing import Literal

from shared.prompts.artifact import SEMVER, ArtifactError, PromptArtifact, parse_artifact

Bump = Literal["patch", "minor", "major"]
BUMPS: tuple[Bump, ...] = ("patch", "minor", "major")


def _semver(version: str) -> tuple[int, int, int]:
    if not SEMVER.match(version):
        raise ValueError(f"{version!r} is not a semantic version MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


def next_version(existing: Iterable[str], bump: Bump) -> str:
    """The version after the newest of ``existing`` (by semver, not by publication order)."""
    versions = [_semver(v) for v in existing]
    if not versions:
        return "1.0.0"
    major, minor, patch = max(versions)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"unknown version bump {bump!r}: choose one of {', '.join(BUMPS)}")


def normalize_text(text: str) -> str:
    """Browsers send textarea line breaks as CRLF; the artifact (and its hash) uses LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def build_draft(base: PromptArtifact, *, version: str, contents: Sequence[str], changelog: str) -> PromptArtifact:
    """A copy of ``base`` as ``version`` with each message's content replaced (in order) and a new changelog,
    validated (template variables must stay the declared ones) and sealed. Raises ArtifactError, worded for
    the person who edited the text."""
    if len(contents) != len(base.messages):
        raise ArtifactError(f"the edit has {len(contents)} message texts, but {base.ref} has {len(base.messages)} "
                            "messages; reload the edit page")
    contents = [normalize_text(c) for c in contents]
    if contents == [m.content for m in base.messages]:
        raise ArtifactError("no message text changed: edit the system or user message before saving a new version")
    data = base.model_dump(mode="json", by_alias=True)
    data.update(version=version, changelog=normalize_text(changelog).strip(), content_hash=None,
                messages=[{**message, "content": content}
                          for message, content in zip(data["messages"], contents, strict=True)])
    ref = f"{base.name}@{version}"
    try:
        return parse_artifact(data, ref).sealed()
    except ArtifactError as error:
        problems = str(error).removeprefix(f"{ref}: ").replace("artifact: Value error, ", "")
        if "variables" in problems:
            declared = ", ".join("{{ " + name + " }}" for name in base.variables)
            problems += f". The template variables must stay the declared ones: {declared}"
        raise ArtifactError(f"{ref} cannot be saved: {problems}") from None
