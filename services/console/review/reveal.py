"""Revealing a review's PII to a person whose role allows it: the placeholders in the mail and the proposed calls
looked up in the PII vault, and the texts shown with each revealed value marked (its placeholder as the title).
Nothing revealed is stored: a reload shows placeholders again."""

from collections.abc import Iterable
from typing import Any, Protocol

from markupsafe import Markup, escape

from shared.pii_placeholders import PII_PLACEHOLDER
from shared.spotlight import is_spotlighted, unmark


class PiiRevealer(Protocol):
    """The PII vault's revealing side (``shared.pii_vault.PiiVault``)."""

    async def reveal(self, mail_id: str, placeholder: str) -> str | None: ...


def texts_of(value: Any) -> Iterable[str]:
    """Every string inside a JSON-like value (the call arguments, the facts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from texts_of(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from texts_of(inner)


def placeholders_in(texts: Iterable[str]) -> list[str]:
    return sorted({match.group(0) for text in texts for match in PII_PLACEHOLDER.finditer(text)})


async def reveal_all(vault: PiiRevealer, mail_id: str, placeholders: list[str]) -> dict[str, str]:
    """placeholder -> value, for those the vault still holds (the values expire with the vault's retention)."""
    values = {p: await vault.reveal(mail_id, p) for p in placeholders}
    return {p: v for p, v in values.items() if v is not None}


def with_values(text: Any, values: dict[str, str]) -> Markup:
    """``text`` escaped, with each revealed placeholder replaced by its value inside ``<mark>``. Mail text the
    gateway spotlighted for the model is shown to people as the sender wrote it (delimiters and datamarks off)."""
    text = "" if text is None else str(text)
    if is_spotlighted(text):
        text = unmark(text)
    if not values:
        return escape(text)
    parts, at = [], 0
    for match in PII_PLACEHOLDER.finditer(text):
        value = values.get(match.group(0))
        if value is None:
            continue
        parts.append(escape(text[at:match.start()]))
        parts.append(Markup('<mark class="revealed" title="{}">{}</mark>').format(match.group(0), value))
        at = match.end()
    parts.append(escape(text[at:]))
    return Markup("").join(parts)
