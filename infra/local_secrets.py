"""Throwaway local-development secrets, generated on first run into the git-ignored state dir."""

import secrets
from pathlib import Path

from shared.settings import PathSettings

LOCAL_SECRETS = ("mailspine_weaviate_api_key",)


def ensure_local_secrets(paths: PathSettings | None = None) -> list[Path]:
    """Create each missing secret file (mode 600); never overwrite one. Returns the files created."""
    paths = paths or PathSettings()
    paths.secrets_dir.mkdir(parents=True, exist_ok=True)
    paths.secrets_dir.chmod(0o700)
    created = []
    for name in LOCAL_SECRETS:
        path = paths.secrets_dir / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
            created.append(path)
    return created
