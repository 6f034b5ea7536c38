"""The mail-history collection: one object per mail, one Weaviate tenant per Mailspine tenant, vectors supplied
by us (Weaviate runs no vectorizer). Text is redacted: placeholders such as <EMAIL_1>, never values."""

import hashlib
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from weaviate.classes.config import DataType, Property, Tokenization
from weaviate.util import generate_uuid5

from shared.mail_history.embeddings import EMBEDDING_MODEL

# bump when the properties, the embedded text or the tokenization change: the index must then be rebuilt
SCHEMA_VERSION = 2
_WEAVIATE_TENANT = re.compile(r"[A-Za-z0-9_-]{1,64}")


def index_version() -> str:
    """What a run retrieved from, so `mailspine quality` can name an index change (schema or embedding model)."""
    return f"mail-history-s{SCHEMA_VERSION}+{EMBEDDING_MODEL}"


def weaviate_tenant(tenant: str) -> str:
    """Weaviate tenant names allow [A-Za-z0-9_-]{1,64}; other Mailspine tenant names map to a stable hash."""
    if _WEAVIATE_TENANT.fullmatch(tenant):
        return tenant
    return "t-" + hashlib.sha256(tenant.encode()).hexdigest()[:32]


def object_uuid(mail_id: str) -> uuid.UUID:
    """One object per mail: indexing it again (a redelivery, a reindex) replaces it, never duplicates it."""
    return uuid.UUID(generate_uuid5(mail_id))


def _text(name: str) -> Property:
    return Property(name=name, data_type=DataType.TEXT, skip_vectorization=True)


def _keyword(name: str) -> Property:
    """Matched whole (ids, keys, labels), never split into words for BM25."""
    return Property(name=name, data_type=DataType.TEXT, skip_vectorization=True, tokenization=Tokenization.FIELD,
                    index_searchable=False)


PROPERTIES = [
    _keyword("mail_id"),
    _keyword("thread_id"),
    _keyword("customer_key"),
    _text("subject"),
    _text("excerpt"),
    _keyword("intent"),
    _keyword("crm_action"),
    _keyword("outcome"),
    Property(name="high_stakes", data_type=DataType.BOOL, skip_vectorization=True),
    Property(name="received_at", data_type=DataType.DATE, skip_vectorization=True),
    _keyword("trace_id"),
]
KEYWORD_SEARCHED = ["subject", "excerpt"]


@dataclass(frozen=True)
class HistoryRecord:
    """One mail as the index keeps it: its redacted text, the run's facts and outcome."""

    tenant: str
    mail_id: str
    thread_id: str | None
    customer_key: str | None
    subject: str
    excerpt: str
    intent: str | None
    crm_action: str | None
    outcome: str
    high_stakes: bool | None
    received_at: datetime
    trace_id: str

    def properties(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["tenant"]  # the Weaviate tenant holds it
        return fields

    def embedded_text(self) -> str:
        return f"{self.subject}\n{self.excerpt}"
