import stat
from pathlib import Path

from infra.kafka_acls import KAFKA_PRINCIPALS
from infra.local_secrets import ensure_local_secrets, kafka_password, redis_password
from infra.redis_acls import REDIS_USERS
from infra.weaviate_access import WEAVIATE_USERS
from services.gateway.settings import GatewaySettings
from shared.mail_sources import DeliveryPolicy, SourceKeyring
from shared.settings import PathSettings
from shared.smtp_relay import SMTP_RELAY_USERS


def test_first_run_generates_private_secrets_and_later_runs_keep_them(tmp_path: Path) -> None:
    paths = PathSettings(home=tmp_path / "fresh" / "var", cache=tmp_path / "cache")
    created = ensure_local_secrets(paths)
    sources = DeliveryPolicy.load(GatewaySettings().policy_file).sources
    # Redis users, SMTP relay users, Weaviate service users; Weaviate's operator key, the vault, the customer-key
    # secret; + the registry's API tokens and the evaluator's feedback tokens; + the CRM stand-in's read tokens and
    # one token file for each of its two readers
    assert len(created) == (len(KAFKA_PRINCIPALS) + len(REDIS_USERS) + len(SMTP_RELAY_USERS) + len(WEAVIATE_USERS)
                            + 3 + len(sources) + 2 + 3)
    assert SourceKeyring(paths.secrets_dir / "sources").active_keys("local-mx")
    for path in created:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(path.read_text()) >= 32
    assert stat.S_IMODE(paths.secrets_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((paths.secrets_dir / "kafka" / "gateway").stat().st_mode) == 0o700
    passwords = {principal: kafka_password(principal, paths) for principal in KAFKA_PRINCIPALS}
    assert len(set(passwords.values())) == len(KAFKA_PRINCIPALS)  # one secret per principal

    redis_passwords = {user: redis_password(user, paths) for user in REDIS_USERS}
    assert len(set(redis_passwords.values())) == len(REDIS_USERS)

    assert ensure_local_secrets(paths) == []
    assert {principal: kafka_password(principal, paths) for principal in KAFKA_PRINCIPALS} == passwords
