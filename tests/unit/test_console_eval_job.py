"""The console hands its eval child process the artifacts as files; what the child reads must be what was sent."""

import json
from pathlib import Path

import pytest

from offline_eval.console_job import main
from services.console.eval_jobs import _artifact_args
from shared.prompts.artifact import ArtifactError, parse_artifact
from shared.prompts.library import PromptLibrary


def test_the_artifact_files_the_console_writes_parse_back_to_the_same_artifacts(tmp_path: Path) -> None:
    production = PromptLibrary().versions("extract-email")[0]
    args = _artifact_args(tmp_path, production, production)
    assert args[0::2] == ["--candidate", "--baseline"]
    for path in args[1::2]:
        read = parse_artifact(json.loads(Path(path).read_text(encoding="utf-8")), path)
        assert read == production and read.verify().content_hash == production.content_hash


def test_a_candidate_file_that_is_not_an_artifact_is_reported_as_failed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "candidate.json"
    broken.write_text(json.dumps({"name": "extract-email"}), encoding="utf-8")
    with pytest.raises(ArtifactError):
        main(["--candidate", str(broken)])
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last_line)["event"] == "failed"
