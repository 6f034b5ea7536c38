"""Email-sender process: ``python -m services.tools.email_sender``. The composition root builds every adapter."""

from faststream import FastStream
from limits import parse

from services.tools.email_sender.crm_directory import CrmReadApi
from services.tools.email_sender.handlers import TOOL_NAME, SendReplyHandler, provide, register
from services.tools.email_sender.recipient_limit import RecipientGate, recipient_limit_secret
from services.tools.email_sender.relay_client import SmtpRelayClient
from services.tools.email_sender.sending import ReplySender
from services.tools.email_sender.sent_replies import RedisSentReplies
from services.tools.email_sender.settings import EmailSenderSettings
from shared.broker import build_broker
from shared.crm_endpoint import CrmEndpointSettings, crm_reader_token
from shared.pii_vault import PiiVault
from shared.service_app import build_app
from shared.settings import PiiVaultSettings, RedisSettings
from shared.smtp_relay import SmtpRelaySettings
from shared.tool_service import RateGate, RedisCallResults, ToolLimitsFile, ToolServiceDeps, redis_rate_limit_storage


def create_app() -> FastStream:
    settings = EmailSenderSettings()
    broker = build_broker(settings.service_name)
    redis_settings = RedisSettings.for_user(settings.service_name)
    redis = redis_settings.client()
    vault_key = PiiVaultSettings.load().key()
    limits = ToolLimitsFile.load().for_tool(TOOL_NAME)
    storage = redis_rate_limit_storage(redis_settings, settings.service_name)
    recipient_rate = limits.per_key.get("recipient")
    crm = CrmReadApi.connect(CrmEndpointSettings().url, crm_reader_token(settings.service_name, settings.crm_token),
                             settings.crm_timeout_seconds)
    sender = ReplySender(
        vault=PiiVault(redis, vault_key, settings.vault_ttl_seconds),
        directory=crm,
        relay=SmtpRelayClient(SmtpRelaySettings.for_user(settings.service_name)),
        sent_replies=RedisSentReplies(redis, settings.service_name, settings.sent_ttl_seconds),
        recipient_gate=RecipientGate(TOOL_NAME, parse(recipient_rate) if recipient_rate else None, storage,
                                     recipient_limit_secret(vault_key)),
        from_address=settings.from_address, message_id_domain=settings.message_id_domain)
    publishers = register(broker, settings)
    provide(broker, ToolServiceDeps(handler=SendReplyHandler(sender, publishers.outbound),
                                    results=RedisCallResults(redis, settings.service_name),
                                    rate_gate=RateGate(TOOL_NAME, limits, storage)))
    app = build_app(broker, settings.service_name)
    app.after_shutdown(crm.close)
    app.after_shutdown(redis.aclose)
    return app
