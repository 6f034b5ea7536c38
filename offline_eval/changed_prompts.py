"""The CI gate's view of git: which prompt artifacts a change touches, and what main holds for them."""

import subprocess
from pathlib import Path

import yaml

from shared.prompts import ArtifactError, PromptArtifact
from shared.prompts.artifact import parse_artifact
from shared.settings import REPO_ROOT


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ArtifactError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def base_ref() -> str:
    """origin/main when the clone has it (a pull request), else main."""
    for ref in ("origin/main", "main"):
        if subprocess.run(["git", "rev-parse", "--verify", "--quiet", ref], cwd=REPO_ROOT,
                          capture_output=True, check=False).returncode == 0:
            return ref
    raise ArtifactError("neither origin/main nor main exists in this clone; the gate compares against main")


def changed_prompt_files(base: str | None = None) -> list[Path]:
    """Prompt artifacts added or modified since the merge base with main, committed or not."""
    merge_base = _git("merge-base", "HEAD", base or base_ref()).strip()
    names = set(_git("diff", "--name-only", "--diff-filter=AM", merge_base, "--", "prompts/").split())
    names |= set(_git("ls-files", "--others", "--exclude-standard", "--", "prompts/").split())
    return sorted(REPO_ROOT / name for name in names if name.endswith(".yaml"))


def artifacts_on(ref: str, name: str) -> list[PromptArtifact]:
    """Every version of a prompt as committed on ``ref``, oldest first."""
    listing = _git("ls-tree", "--name-only", f"{ref}:prompts/{name}/") if _exists(ref, name) else ""
    found = []
    for filename in listing.split():
        if filename.endswith(".yaml"):
            text = _git("show", f"{ref}:prompts/{name}/{filename}")
            found.append(parse_artifact(yaml.safe_load(text), f"{ref}:prompts/{name}/{filename}").verify())
    return sorted(found, key=lambda a: a.semver)


def _exists(ref: str, name: str) -> bool:
    return subprocess.run(["git", "cat-file", "-e", f"{ref}:prompts/{name}"], cwd=REPO_ROOT,
                          capture_output=True, check=False).returncode == 0
