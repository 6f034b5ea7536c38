from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.crm_endpoint import CrmEndpointSettings
from shared.settings import REPO_ROOT, PathSettings


class CrmStandinSettings(CrmEndpointSettings):
    """Its host and port are the CRM endpoint every reader uses (MAILSPINE_CRM_HOST, MAILSPINE_CRM_PORT)."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_CRM_")

    service_name: str = "crm-standin"  # its name in logs, traces and Redis; on Kafka it is the CRM connector
    kafka_principal: str = "crm"
    consumer_group: str = "crm"
    database: Path = Field(default_factory=lambda: PathSettings().home / "crm" / "crm.sqlite3")
    tokens_file: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "crm" / "tokens.yaml",
                              description="bearer tokens of who may read the CRM (scope crm:read)")
    seed_file: Path | None = Field(default=REPO_ROOT / "data" / "crm" / "customers.yaml",
                                   description="fake customers loaded once into an empty database")
