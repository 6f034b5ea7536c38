"""Prompt artifacts: every way an artifact can be wrong gives a clear error; the hash pins the content."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.prompts import ArtifactError, PromptLibrary, render
from shared.prompts.library import load_file, write_artifact
from shared.settings import REPO_ROOT

SOURCE = REPO_ROOT / "prompts" / "extract-email" / "1.0.0.yaml"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SOURCE.read_text())
    return data


def _write(tmp_path: Path, data: dict, name: str = "extract-email", version: str = "1.0.0") -> Path:
    path = tmp_path / name / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def test_every_artifact_in_the_repository_loads_and_matches_its_hash() -> None:
    library = PromptLibrary()
    assert "extract-email" in library.names()
    for artifact in library.all():
        assert (artifact.verify().content_hash or "").startswith("sha256:")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(version="1.0"), "not a semantic version"),
    (lambda d: d.pop("owner"), "owner"),
    (lambda d: d.update(owner="  "), "owner must name"),
    (lambda d: d["variables"].pop("subject"), "undeclared variables: subject"),
    (lambda d: d["variables"].update(tone={"type": "string", "description": "unused"}), "never uses: tone"),
    (lambda d: d["output_schema"]["schema"].update(type="nonsense"), "not a valid JSON schema"),
    (lambda d: d["output_schema"]["schema"].update(type="array"), "must describe a JSON object"),
    (lambda d: d["variables"]["body"].update(type="blob"), "variables.body.type"),
])
def test_a_broken_artifact_is_refused_with_a_clear_error(tmp_path: Path, change: Callable[[dict[str, Any]], object],
                                                          message: str) -> None:
    data = _data()
    change(data)
    with pytest.raises(ArtifactError, match=message):
        load_file(_write(tmp_path, data))


def test_content_that_no_longer_matches_its_recorded_hash_is_refused(tmp_path: Path) -> None:
    data = _data()
    data["messages"][0]["content"] += "\nAlso, be brief."
    with pytest.raises(ArtifactError, match="does not match its recorded hash"):
        load_file(_write(tmp_path, data))


def test_an_unsealed_artifact_is_refused(tmp_path: Path) -> None:
    data = _data()
    data.pop("content_hash")
    with pytest.raises(ArtifactError, match="no content_hash"):
        load_file(_write(tmp_path, data))


def test_the_path_must_name_the_artifact(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"its path must be prompts/extract-email/1.0.0.yaml"):
        load_file(_write(tmp_path, _data(), version="1.0.1"))


def test_a_published_version_is_immutable(tmp_path: Path) -> None:
    shutil.copytree(SOURCE.parent, tmp_path / "extract-email")
    original = load_file(tmp_path / "extract-email" / "1.0.0.yaml")
    assert write_artifact(tmp_path, original).exists()  # the same content again is a no-op
    edited = original.model_copy(update={"changelog": "a silent edit", "content_hash": None})
    with pytest.raises(ArtifactError, match="immutable"):
        write_artifact(tmp_path, edited)
    bumped = edited.model_copy(update={"version": "1.0.1"})
    assert load_file(write_artifact(tmp_path, bumped)).version == "1.0.1"


def test_rendering_checks_types_and_never_expands_placeholders_inside_values() -> None:
    artifact = load_file(SOURCE)
    values = dict.fromkeys(artifact.variables, "x") | {"body": "{{ datamark }} is mine"}
    rendered = render(artifact, values)
    assert "{{ datamark }} is mine" in rendered.messages[1]["content"]
    with pytest.raises(ArtifactError, match="variable body must be string"):
        render(artifact, values | {"body": 3})
    with pytest.raises(ArtifactError, match="missing"):
        render(artifact, {"body": "x"})
    assert rendered.response_format()["json_schema"]["schema"] == artifact.output_schema.schema_
