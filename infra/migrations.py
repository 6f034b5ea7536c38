"""Weaviate schema migrations: the searchable mail-history collection (multi-tenant, vectors supplied by us,
no vectorizer) and the RBAC roles over it. Run as the operator."""

import weaviate
from weaviate.classes.config import Configure
from weaviate.exceptions import WeaviateBaseError

from infra.weaviate_access import apply_roles
from shared.errors import InfraError
from shared.mail_history.connection import connect
from shared.mail_history.schema import PROPERTIES
from shared.settings import WeaviateSettings


def _is_first_schema(client: weaviate.WeaviateClient, name: str) -> bool:
    return not client.collections.get(name).config.get().multi_tenancy_config.enabled


def create_mail_history(client: weaviate.WeaviateClient, name: str) -> None:
    client.collections.create(
        name,
        vector_config=Configure.Vectors.self_provided(),
        # one Weaviate tenant per Mailspine tenant: a query names its tenant and sees nothing else
        multi_tenancy_config=Configure.multi_tenancy(enabled=True, auto_tenant_creation=True,
                                                     auto_tenant_activation=True),
        properties=PROPERTIES,
    )


def migrate_mail_history(settings: WeaviateSettings | None = None) -> bool:
    """Create the collection if missing, and the roles over it; returns True when the collection was created now.

    A collection of the first schema (single-tenant, never written: nothing indexed into it) is replaced."""
    settings = settings or WeaviateSettings.load()
    name = settings.mail_history_collection
    with connect(settings) as client:
        created = False
        if client.collections.exists(name) and _is_first_schema(client, name):
            client.collections.delete(name)
        if not client.collections.exists(name):
            create_mail_history(client, name)
            created = True
        try:
            apply_roles(client, name)
        except WeaviateBaseError as exc:
            raise InfraError(f"Weaviate refused the RBAC roles ({exc}); a Weaviate started before RBAC was "
                             "configured is still running: `mailspine down`, then `mailspine up`") from exc
        return created


def drop_mail_history(settings: WeaviateSettings | None = None) -> None:
    """Wipe the index (`mailspine history reindex` rebuilds it from Kafka)."""
    settings = settings or WeaviateSettings.load()
    with connect(settings) as client:
        client.collections.delete(settings.mail_history_collection)


if __name__ == "__main__":
    print("created" if migrate_mail_history() else "present")
