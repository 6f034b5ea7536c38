"""A customer's pseudonymous key: how every service downstream of the gateway names a customer without PII.

``cust_<24 hex>`` = HMAC-SHA256(customer-key secret, lower-cased e-mail address), first 24 hex digits. The same
address always gives the same key, so history, the CRM and the retriever agree on who a mail is from; without
the secret the key reveals nothing and cannot be computed from a guessed address. The secret's holders are
the gateway (which names each mail's addresses), the CRM stand-in (which names its customers the same way) and the
console (which finds a customer's mail by the address a person types).
"""

import hashlib
import hmac
import re
from collections.abc import Mapping

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import UserError
from shared.settings import PathSettings

CUSTOMER_KEY_PATTERN = r"^cust_[0-9a-f]{24}$"
_CUSTOMER_KEY = re.compile(CUSTOMER_KEY_PATTERN)


def customer_key(secret: bytes, address: str) -> str:
    digest = hmac.new(secret, address.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"cust_{digest[:24]}"


def is_customer_key(text: str) -> bool:
    return _CUSTOMER_KEY.fullmatch(text) is not None


class CustomerKeySettings(BaseSettings):
    """The customer-key secret: from MAILSPINE_CUSTOMER_KEY_SECRET or secrets/mailspine_customer_key_secret."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_")

    customer_key_secret: SecretStr = Field(default=SecretStr(""), description="random text, at least 32 characters")

    @classmethod
    def load(cls) -> "CustomerKeySettings":
        return cls(_secrets_dir=PathSettings().secrets_dir)

    def secret(self) -> bytes:
        value = self.customer_key_secret.get_secret_value()
        if len(value) < 32:
            raise UserError("no customer-key secret (or one shorter than 32 characters): set "
                            "MAILSPINE_CUSTOMER_KEY_SECRET, or run `mailspine up` once to generate a local one")
        return value.encode()


class CustomerKeys:
    """Computes customer keys with one secret (the gateway and the CRM stand-in hold one)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def load(cls) -> "CustomerKeys":
        return cls(CustomerKeySettings.load().secret())

    def of(self, address: str) -> str:
        return customer_key(self._secret, address)

    def of_placeholders(self, originals: Mapping[str, str]) -> dict[str, str]:
        """``{placeholder: customer key}`` for each e-mail placeholder among ``{placeholder: original value}``."""
        return {placeholder: self.of(value) for placeholder, value in originals.items()
                if placeholder.startswith("<EMAIL_")}
