"""The headless browser the console's browser tests drive: Debian's `chromium`, installed with apt on first use.

Playwright's own browser download comes from a CDN this project does not rely on, so Playwright is pointed at
the Debian binary instead (``executable_path``)."""

import os
import shutil
from pathlib import Path

from infra.servers.base import apt_install
from shared.errors import InfraError
from shared.settings import PathSettings

CHROMIUM_PACKAGE = "chromium"
CHROMIUM_NAMES = ("chromium", "chromium-browser")


def find_chromium() -> Path | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def ensure_chromium(paths: PathSettings | None = None) -> Path:
    """The chromium executable; apt-installs Debian's `chromium` package when it is missing (needs root)."""
    found = find_chromium()
    if found is not None:
        return found
    paths = paths or PathSettings()
    log_file = paths.home / "log" / "install-chromium.log"
    if os.geteuid() != 0:
        raise InfraError(f"chromium is not installed and installing it needs root: run "
                         f"`sudo apt-get install {CHROMIUM_PACKAGE}` once, then run the browser tests again")
    print(f"  installing {CHROMIUM_PACKAGE} with apt (first run only; output in {log_file})", flush=True)
    apt_install([CHROMIUM_PACKAGE], log_file=log_file)
    found = find_chromium()
    if found is None:
        raise InfraError(f"apt-get installed {CHROMIUM_PACKAGE}, but no {' or '.join(CHROMIUM_NAMES)} is on PATH; "
                         f"see {log_file}")
    return found
