"""Hybrid search of one tenant's mail history: the query's embedding and its words (BM25), fused by Weaviate,
filtered by customer key and time. Read only: the credential it runs with can do nothing else."""

import threading
from datetime import datetime
from typing import Any

import weaviate
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery
from weaviate.collections.classes.filters import _Filters
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateQueryError

from shared.contracts.tools.retriever import HistoryHit, SearchHistory, SearchHistoryOutput
from shared.mail_history.connection import transient_as_retry
from shared.mail_history.embeddings import Embedder
from shared.mail_history.schema import KEYWORD_SEARCHED, index_version, weaviate_tenant

# vector and keyword scores weigh the same: mail is short, and ids (order numbers) only match as keywords
HYBRID_ALPHA = 0.5


def history_filters(arguments: SearchHistory) -> _Filters | None:
    conditions = []
    if arguments.customer_key is not None:
        conditions.append(Filter.by_property("customer_key").equal(arguments.customer_key))
    if arguments.since is not None:
        conditions.append(Filter.by_property("received_at").greater_or_equal(arguments.since))
    return Filter.all_of(conditions) if conditions else None


def history_hit(properties: dict[str, Any], score: float | None) -> HistoryHit:
    received_at = properties["received_at"]
    assert isinstance(received_at, datetime)
    return HistoryHit(mail_id=properties["mail_id"], thread_id=properties.get("thread_id"),
                      customer_key=properties.get("customer_key"), subject=properties.get("subject") or "",
                      excerpt=properties.get("excerpt") or "", intent=properties.get("intent"),
                      crm_action=properties.get("crm_action"), outcome=properties.get("outcome"),
                      received_at=received_at, score=score or 0.0)


def _is_unknown_tenant(exc: Exception) -> bool:
    return "tenant not found" in str(exc).lower()


class HistorySearch:
    """Blocking (the embedding model and the Weaviate client are synchronous); the service calls it in a thread."""

    def __init__(self, client: weaviate.WeaviateClient, collection: str, embedder: Embedder) -> None:
        self.collection = client.collections.use(collection)
        self.embedder = embedder
        self._lock = threading.Lock()

    def search(self, tenant: str, arguments: SearchHistory) -> SearchHistoryOutput:
        vector = self.embedder.query(arguments.query)
        try:
            with self._lock, transient_as_retry():
                response = self.collection.with_tenant(weaviate_tenant(tenant)).query.hybrid(
                    query=arguments.query, vector=vector, alpha=HYBRID_ALPHA, query_properties=KEYWORD_SEARCHED,
                    fusion_type=HybridFusion.RELATIVE_SCORE, filters=history_filters(arguments),
                    limit=arguments.limit, return_metadata=MetadataQuery(score=True))
        except (WeaviateQueryError, UnexpectedStatusCodeError) as exc:
            if _is_unknown_tenant(exc):  # nothing indexed for this tenant yet
                return SearchHistoryOutput(hits=[], index_version=index_version())
            raise
        hits = [history_hit(dict(found.properties), found.metadata.score) for found in response.objects]
        return SearchHistoryOutput(hits=hits, index_version=index_version())
