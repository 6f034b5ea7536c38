"""Writes history records into the tenant's part of the mail history: embedded here, upserted by mail id."""

import threading
from collections import defaultdict
from collections.abc import Iterable

import weaviate
from weaviate.classes.data import DataObject

from shared.mail_history.connection import transient_as_retry
from shared.mail_history.embeddings import Embedder
from shared.mail_history.schema import HistoryRecord, object_uuid, weaviate_tenant


class HistoryWriteFailed(Exception):
    """Weaviate refused objects (not an outage): the message cannot succeed as it is."""


class HistoryWriter:
    """Blocking (the embedding model and the Weaviate client are synchronous); services call it in a thread."""

    def __init__(self, client: weaviate.WeaviateClient, collection: str, embedder: Embedder) -> None:
        self.collection = client.collections.use(collection)
        self.embedder = embedder
        self._lock = threading.Lock()

    def write(self, records: Iterable[HistoryRecord]) -> int:
        """Upsert each record (the same mail id replaces its object); returns how many were written."""
        by_tenant: dict[str, list[HistoryRecord]] = defaultdict(list)
        for record in records:
            by_tenant[weaviate_tenant(record.tenant)].append(record)
        written = 0
        for tenant, batch in by_tenant.items():
            vectors = self.embedder.passages([record.embedded_text() for record in batch])
            objects = [DataObject(properties=record.properties(), uuid=object_uuid(record.mail_id), vector=vector)
                       for record, vector in zip(batch, vectors, strict=True)]
            with self._lock, transient_as_retry():
                outcome = self.collection.with_tenant(tenant).data.insert_many(objects)
            if outcome.has_errors:
                first = next(iter(outcome.errors.values()))
                raise HistoryWriteFailed(f"{len(outcome.errors)} of {len(objects)} objects refused in tenant "
                                         f"{tenant}: {first.message}")
            written += len(objects)
        return written
