"""The prompt artifacts in the repository: `prompts/<name>/<semver>.yaml`, each validated and hash-checked."""

import os
from pathlib import Path

import yaml

from shared.prompts.artifact import ArtifactError, PromptArtifact, parse_artifact


def prompts_root() -> Path:
    return Path(os.environ.get("MAILSPINE_PROMPTS_DIR", Path(__file__).resolve().parents[2] / "prompts"))


def load_file(path: Path) -> PromptArtifact:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ArtifactError(f"{path}: cannot read as YAML: {error}") from None
    artifact = parse_artifact(data, str(path))
    if artifact.name != path.parent.name or f"{artifact.version}.yaml" != path.name:
        raise ArtifactError(f"{path}: holds {artifact.ref}, but its path must be "
                            f"prompts/{artifact.name}/{artifact.version}.yaml")
    return artifact.verify()


def dump_yaml(artifact: PromptArtifact) -> str:
    """The file text of an artifact, keys in a fixed reading order, long text as literal blocks."""

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    data = artifact.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


class PromptLibrary:
    """Every artifact under a root, loaded eagerly so a broken one fails loudly at start, not at first use."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or prompts_root()
        self._artifacts: dict[tuple[str, str], PromptArtifact] = {}
        if not self.root.is_dir():
            raise ArtifactError(f"prompt folder {self.root} does not exist")
        for path in sorted(self.root.glob("*/*.yaml")):
            artifact = load_file(path)
            self._artifacts[(artifact.name, artifact.version)] = artifact

    def names(self) -> list[str]:
        return sorted({name for name, _ in self._artifacts})

    def versions(self, name: str) -> list[PromptArtifact]:
        found = [a for (n, _), a in self._artifacts.items() if n == name]
        if not found:
            raise ArtifactError(f"no prompt named {name!r} in {self.root} (have: {', '.join(self.names())})")
        return sorted(found, key=lambda a: a.semver)

    def get(self, name: str, version: str) -> PromptArtifact:
        artifact = self._artifacts.get((name, version))
        if artifact is None:
            known = ", ".join(a.version for a in self.versions(name))
            raise ArtifactError(f"no version {version} of {name} in {self.root} (have: {known})")
        return artifact

    def latest(self, name: str) -> PromptArtifact:
        return self.versions(name)[-1]

    def all(self) -> list[PromptArtifact]:
        return [self._artifacts[key] for key in sorted(self._artifacts)]


def write_artifact(root: Path, artifact: PromptArtifact) -> Path:
    """Publish a new version as a file; refuses to overwrite a published version with different content."""
    sealed = artifact.sealed()
    path = root / sealed.name / f"{sealed.version}.yaml"
    if path.exists():
        existing = load_file(path)
        if existing.content_hash != sealed.content_hash:
            raise ArtifactError(f"{sealed.ref} is already published with hash {existing.content_hash}; "
                                "a published version is immutable, choose a new version")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(sealed), encoding="utf-8")
    return path
