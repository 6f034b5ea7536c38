"""Gateway process: ``python -m services.gateway``. The composition root builds every adapter once."""

from faststream import FastStream
from redis.asyncio import Redis

from services.gateway.guardrails.trained import build_classifier
from services.gateway.handlers import provide, register
from services.gateway.pipeline import GatewayDeps
from services.gateway.redaction import PiiRedactor
from services.gateway.replay import ReplayGuard
from services.gateway.settings import GatewaySettings
from shared.broker import build_broker
from shared.customer_keys import CustomerKeys
from shared.eval_sampling import load_policy
from shared.mail_sources import DeliveryPolicy, SourceKeyring
from shared.pii_vault import PiiVault
from shared.service_app import build_app
from shared.settings import PiiVaultSettings, RedisSettings


def build_deps(settings: GatewaySettings, redis: Redis) -> GatewayDeps:
    return GatewayDeps(
        settings=settings,
        keyring=SourceKeyring(settings.source_keys_dir),
        policy=DeliveryPolicy.load(settings.policy_file),
        replay=ReplayGuard(redis, settings.replay_window_seconds),
        redactor=PiiRedactor(),
        vault=PiiVault(redis, PiiVaultSettings.load().key(), settings.pii_vault_ttl_seconds),
        classifier=build_classifier(settings),
        sampling=load_policy(settings.sampling_policy),
        customer_keys=CustomerKeys.load(),
    )


def create_app() -> FastStream:
    settings = GatewaySettings()
    broker = build_broker(settings.service_name)
    redis = Redis.from_url(RedisSettings().url)
    register(broker, settings)
    provide(broker, build_deps(settings, redis))
    app = build_app(broker, settings.service_name)
    app.after_shutdown(redis.aclose)
    return app
