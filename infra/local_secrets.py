"""Throwaway local-development secrets, generated on first run into the git-ignored state dir."""

import secrets
from pathlib import Path

from infra.kafka_acls import KAFKA_PRINCIPALS
from shared.settings import PathSettings


def local_secret_files(paths: PathSettings) -> list[Path]:
    """Every secret file a local install needs: one Kafka password per principal, the Weaviate API key."""
    kafka = [paths.secrets_dir / "kafka" / principal / "mailspine_kafka_password" for principal in KAFKA_PRINCIPALS]
    return [*kafka, paths.secrets_dir / "mailspine_weaviate_api_key"]


def ensure_local_secrets(paths: PathSettings | None = None) -> list[Path]:
    """Create each missing secret file (mode 600, folders 700); never overwrite one. Returns those created."""
    paths = paths or PathSettings()
    created = []
    for path in local_secret_files(paths):
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in (path.parent, *path.parent.parents):
            if folder.is_relative_to(paths.secrets_dir):
                folder.chmod(0o700)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
        created.append(path)
    return created


def kafka_password(principal: str, paths: PathSettings | None = None) -> str:
    paths = paths or PathSettings()
    return (paths.secrets_dir / "kafka" / principal / "mailspine_kafka_password").read_text().strip()
