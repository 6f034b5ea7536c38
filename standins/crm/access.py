"""Who may read the CRM: bearer tokens (shared/bearer_tokens.py) with the scope ``crm:read``, generated for local
development for the two tools that read it. Each tool also gets its own token in a file of its own
(``secrets/<principal>/crm_read_token``), so no tool can read another's token."""

from pathlib import Path

import yaml

from shared.bearer_tokens import ensure_users
from shared.contracts.crm_read import CRM_READ_SCOPE
from shared.crm_endpoint import crm_read_token_file

READERS = {"tool-history": [CRM_READ_SCOPE], "tool-email-sender": [CRM_READ_SCOPE]}

HEADER = """\
# CRM stand-in read-API bearer tokens (local development). One entry per token:
#   TOKEN: {principal: NAME, roles: [crm:read]}
# The stand-in rereads this file when it changes.
"""


def ensure_crm_tokens(tokens_file: Path, secrets_dir: Path) -> list[Path]:
    """The tokens file and each reader's own token file, where missing. Returns the files written."""
    written = [tokens_file] if ensure_users(tokens_file, READERS, HEADER, "mscrm_") else []
    entries = (yaml.safe_load(tokens_file.read_text(encoding="utf-8")) or {}).get("tokens") or {}
    for token, entry in entries.items():
        principal = str(entry.get("principal"))
        path = crm_read_token_file(secrets_dir, principal)
        if principal not in READERS or path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        path.touch(mode=0o600)
        path.write_text(str(token), encoding="utf-8")
        written.append(path)
    return written
