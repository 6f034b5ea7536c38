"""Weaviate schema migrations: the searchable mail-history collection (vectors supplied by us, no vectorizer)."""

import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.init import Auth

from shared.settings import WeaviateSettings


def connect(settings: WeaviateSettings) -> weaviate.WeaviateClient:
    return weaviate.connect_to_local(
        host=settings.host,
        port=settings.http_port,
        grpc_port=settings.grpc_port,
        auth_credentials=Auth.api_key(settings.api_key),
    )


def migrate_mail_history(settings: WeaviateSettings | None = None) -> bool:
    """Create the collection if missing; returns True when it was created now."""
    settings = settings or WeaviateSettings.load()
    with connect(settings) as client:
        name = settings.mail_history_collection
        if client.collections.exists(name):
            return False
        client.collections.create(
            name,
            vector_config=Configure.Vectors.self_provided(),
            properties=[
                Property(name="mail_id", data_type=DataType.TEXT, skip_vectorization=True),
                Property(name="tenant", data_type=DataType.TEXT, skip_vectorization=True),
                Property(name="thread_id", data_type=DataType.TEXT, skip_vectorization=True),
                Property(name="sender", data_type=DataType.TEXT),
                Property(name="subject", data_type=DataType.TEXT),
                Property(name="body", data_type=DataType.TEXT),
                Property(name="received_at", data_type=DataType.DATE),
            ],
        )
        return True


if __name__ == "__main__":
    print("created" if migrate_mail_history() else "present")
