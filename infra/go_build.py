"""Builds a command from a Go module at a fixed version, inside the module's own source tree.

`go install module/cmd@version` refuses modules whose go.mod has replace or exclude directives
(Jaeger and Docker Compose both do), so the source is copied out of the module cache and built there.
"""

import json
import shutil
import subprocess
from pathlib import Path

from infra.servers.base import run_install_step
from shared.errors import InfraError


def build_go_command(
    module: str,
    version: str,
    package: str,
    *,
    output: Path,
    source_root: Path,
    log_file: Path,
    ldflags: str = "",
) -> None:
    if shutil.which("go") is None:
        raise InfraError(f"building {module} needs the Go toolchain (`go`) on PATH")
    download = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True, text=True, check=False,
    )
    if download.returncode != 0:
        raise InfraError(f"go mod download {module}@{version} failed:\n"
                         f"{download.stdout[-2000:]}{download.stderr[-2000:]}")
    source = source_root / f"{module.replace('/', '_')}@{version}"
    if not source.exists():
        shutil.copytree(json.loads(download.stdout)["Dir"], source)
        for path in [source, *source.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)  # the module cache is read-only
    output.parent.mkdir(parents=True, exist_ok=True)
    run_install_step(
        f"go build {module}@{version} {package} (several minutes on first run)",
        ["go", "build", "-ldflags", ldflags, "-o", str(output), package],
        cwd=source, log_file=log_file,
    )
