"""The one shape of a PII placeholder (``<EMAIL_1>``, ``<PERSON_2>``): what the gateway writes in place of a
value, and what the vault holders, the evaluator and the reference model recognise."""

import re

_KIND = r"[A-Z]+"
_NUMBER = r"\d+"
# for embedding in a larger pattern (no groups)
PII_PLACEHOLDER_PATTERN = rf"<{_KIND}_{_NUMBER}>"
PII_PLACEHOLDER = re.compile(rf"<(?P<kind>{_KIND})_(?P<number>{_NUMBER})>")


def pii_placeholder(kind: str, number: int) -> str:
    return f"<{kind}_{number}>"


def is_pii_placeholder(text: str) -> bool:
    return PII_PLACEHOLDER.fullmatch(text) is not None
