from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.prompts.registry_endpoint import RegistryEndpoint


class RegistrySettings(RegistryEndpoint):
    """The registry's own settings beside the address and tokens file its peers share."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_REGISTRY_")

    service_name: str = "registry"
    redis_prefix: str = Field(default="registry:view", description="the materialized view's key prefix")
    bootstrap: bool = Field(default=True, description="publish prompts/ for prompt names the registry lacks")
    write_timeout_seconds: float = Field(default=10.0, description="how long a change may take to reach the log "
                                         "and come back through the registry's own follower")
