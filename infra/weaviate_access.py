"""Least privilege in Weaviate (RBAC): who may write and who may only read the mail history.

The operator (``mailspine``, Weaviate's root user) creates the schema and the roles. The history indexer is
the only service that writes; the retriever may read the mail-history objects and nothing else (no other
collection, no schema, no writes). Each user has its own API key (``secrets/weaviate/<user>/``).
"""

from dataclasses import dataclass
from pathlib import Path

import weaviate
from weaviate.classes.rbac import Permissions
from weaviate.rbac.models import PermissionsCreateType

from shared.settings import PathSettings, WeaviateSettings

OPERATOR = "mailspine"
HISTORY_INDEXER = "history-indexer"
RETRIEVER = "tool-retriever"
WEAVIATE_USERS = (HISTORY_INDEXER, RETRIEVER)


@dataclass(frozen=True)
class WeaviateRole:
    name: str
    users: tuple[str, ...]
    writes: bool


ROLES = (
    WeaviateRole("mail-history-writer", users=(HISTORY_INDEXER,), writes=True),
    WeaviateRole("mail-history-reader", users=(RETRIEVER,), writes=False),
)


def role_permissions(role: WeaviateRole, collection: str) -> list[PermissionsCreateType]:
    if role.writes:  # objects upserted by id, tenants created on first write
        return [Permissions.data(collection=collection, create=True, read=True, update=True),
                Permissions.tenants(collection=collection, create=True, read=True, update=True),
                Permissions.collections(collection=collection, read_config=True)]
    # reading the collection's definition is needed to filter (by customer key, by time)
    return [Permissions.data(collection=collection, read=True),
            Permissions.collections(collection=collection, read_config=True)]


def api_keys(operator: WeaviateSettings) -> dict[str, str]:
    """Every user and its key, the operator first (the server's AUTHENTICATION_APIKEY_* lists)."""
    return {OPERATOR: operator.api_key} | {user: WeaviateSettings.for_user(user).api_key for user in WEAVIATE_USERS}


def api_key_file(user: str, paths: PathSettings) -> Path:
    """Where `mailspine up` writes a user's generated local-dev key (read back by WeaviateSettings.for_user)."""
    return paths.secrets_dir / "weaviate" / user / "mailspine_weaviate_api_key"


def apply_roles(client: weaviate.WeaviateClient, collection: str) -> int:
    """Create each role (or add what it lacks) and assign it to its users; idempotent. Returns how many roles."""
    for role in ROLES:
        permissions = role_permissions(role, collection)
        if client.roles.exists(role.name):
            client.roles.add_permissions(role_name=role.name, permissions=permissions)
        else:
            client.roles.create(role_name=role.name, permissions=permissions)
        for user in role.users:
            client.users.db.assign_roles(user_id=user, role_names=[role.name])
    return len(ROLES)
