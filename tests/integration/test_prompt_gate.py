"""The CI gate: every prompt artifact changed against main must pass the offline eval against main's version,
and no version published on main may change. On main itself the first list is empty and the second holds."""

import os
import subprocess
import sys
from pathlib import Path

from offline_eval.changed_prompts import artifacts_on, base_ref, changed_prompt_files
from shared.prompts import PromptLibrary
from shared.settings import REPO_ROOT

CHANGED = changed_prompt_files()
MAILSPINE = str(Path(sys.executable).parent / "mailspine")


def test_no_version_published_on_main_has_changed() -> None:
    library = PromptLibrary()
    checked = 0
    for name in library.names():
        for published in artifacts_on(base_ref(), name):
            assert library.get(name, published.version).content_hash == published.content_hash, (
                f"{published.ref} differs from main: a published version is immutable, publish a new version")
            checked += 1
    assert checked >= 1


def test_every_changed_prompt_passes_the_offline_gate(infrastructure: None) -> None:
    """One eval per changed artifact against the newest version on main; on main itself nothing changed."""
    print(f"prompt artifacts changed against {base_ref()}: {[str(p.relative_to(REPO_ROOT)) for p in CHANGED]}")
    blocked = []
    for path in CHANGED:
        ref = f"{path.parent.name}@{path.stem}"
        done = subprocess.run([MAILSPINE, "eval", "--candidate", ref, "--baseline", "main"], cwd=REPO_ROOT,
                              capture_output=True, text=True, env=os.environ.copy(), timeout=900)
        print(done.stdout)
        if done.returncode != 0:
            blocked.append(f"{ref}:\n{done.stdout}\n{done.stderr[-2000:]}")
    assert not blocked, "blocked by the offline gate:\n" + "\n".join(blocked)
