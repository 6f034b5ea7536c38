"""History-indexer process: ``python -m services.tools.history_indexer``."""

from faststream import FastStream

from services.tools.history_indexer.handlers import HistoryIndexerDeps, provide, register
from services.tools.history_indexer.settings import HistoryIndexerSettings
from services.tools.history_indexer.staging import JoinStaging
from services.tools.history_indexer.writer import HistoryWriter
from shared.broker import build_broker
from shared.mail_history.connection import connect
from shared.mail_history.embeddings import Embedder
from shared.service_app import build_app
from shared.settings import RedisSettings, WeaviateSettings


def create_app() -> FastStream:
    settings = HistoryIndexerSettings()
    broker = build_broker(settings.service_name)
    redis = RedisSettings.for_user(settings.service_name).client()
    weaviate_settings = WeaviateSettings.for_user(settings.service_name)  # the only Weaviate write credential
    weaviate = connect(weaviate_settings)
    embedder = Embedder()
    embedder.warm_up()  # one model per process, loaded before the first message
    writer = HistoryWriter(weaviate, weaviate_settings.mail_history_collection, embedder)
    register(broker, settings)
    provide(broker, HistoryIndexerDeps(staging=JoinStaging(redis, settings.staging_ttl_seconds), writer=writer,
                                       max_excerpt_chars=settings.max_excerpt_chars))
    app = build_app(broker, settings.service_name)
    app.after_shutdown(redis.aclose)
    app.after_shutdown(weaviate.close)
    return app
