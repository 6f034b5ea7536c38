"""Writes redis-server's ACL file for a Redis that `mailspine up` does not start (docker-compose's ``redis-acls``):
``python -m infra.redis_acl_file PATH``. Missing local-development secrets are generated first."""

import sys
from pathlib import Path

from infra.local_secrets import ensure_local_secrets, redis_password
from infra.redis_acls import REDIS_USERS, acl_file
from shared.settings import PathSettings


def write_acl_file(path: Path, paths: PathSettings | None = None) -> None:
    """The ACL file from infra/redis_acls.py and the users' passwords (stored as sha256; the file is mode 600)."""
    paths = paths or PathSettings()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(acl_file({user: redis_password(user, paths) for user in REDIS_USERS}))


if __name__ == "__main__":
    ensure_local_secrets()
    write_acl_file(Path(sys.argv[1]))
    print(f"wrote {sys.argv[1]} for {len(REDIS_USERS)} Redis users")
