"""A Weaviate client for one API-key user; RBAC on the server decides what that user may do."""

from collections.abc import Iterator
from contextlib import contextmanager

import weaviate
from weaviate.classes.init import AdditionalConfig, Auth, Timeout
from weaviate.exceptions import (
    UnexpectedStatusCodeError,
    WeaviateConnectionError,
    WeaviateGRPCUnavailableError,
    WeaviateTimeoutError,
)

from shared.errors import RetryLater
from shared.settings import WeaviateSettings


def connect(settings: WeaviateSettings) -> weaviate.WeaviateClient:
    return weaviate.connect_to_local(
        host=settings.host,
        port=settings.http_port,
        grpc_port=settings.grpc_port,
        auth_credentials=Auth.api_key(settings.api_key),
        additional_config=AdditionalConfig(timeout=Timeout(init=10, query=30, insert=60)),
        skip_init_checks=False,
    )


@contextmanager
def transient_as_retry() -> Iterator[None]:
    """Weaviate down, slow or failing on its side: the message is redelivered, never dead-lettered."""
    try:
        yield
    except (WeaviateConnectionError, WeaviateTimeoutError, WeaviateGRPCUnavailableError) as exc:
        raise RetryLater(f"weaviate unavailable: {exc}") from exc
    except UnexpectedStatusCodeError as exc:
        if exc.status_code >= 500:
            raise RetryLater(f"weaviate answered {exc.status_code}: {exc}") from exc
        raise
