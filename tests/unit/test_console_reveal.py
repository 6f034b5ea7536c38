"""Revealing a review's PII: the placeholders found in the mail, the facts and the calls; each revealed value shown
escaped inside a mark, the rest of the text escaped; a placeholder the vault no longer holds stays."""

import asyncio

from services.console.review.reveal import placeholders_in, reveal_all, texts_of, with_values


class Vault:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: list[tuple[str, str]] = []

    async def reveal(self, mail_id: str, placeholder: str) -> str | None:
        self.asked.append((mail_id, placeholder))
        return self.values.get(placeholder)


def test_the_placeholders_of_every_text_are_found_once() -> None:
    texts = texts_of(["Dear <PERSON_1>,", {"to": "<EMAIL_1>", "cc": ["<EMAIL_2>", "<EMAIL_1>"]}, None, 3])
    assert placeholders_in(texts) == ["<EMAIL_1>", "<EMAIL_2>", "<PERSON_1>"]


def test_only_what_the_vault_holds_is_revealed() -> None:
    vault = Vault({"<EMAIL_1>": "ana@example.com"})
    found = asyncio.run(reveal_all(vault, "m-1", ["<EMAIL_1>", "<PERSON_1>"]))
    assert found == {"<EMAIL_1>": "ana@example.com"}
    assert vault.asked == [("m-1", "<EMAIL_1>"), ("m-1", "<PERSON_1>")]


def test_revealed_values_are_marked_and_everything_is_escaped() -> None:
    shown = with_values("From <PERSON_1> <b>at</b> <EMAIL_1>", {"<PERSON_1>": "Ana <script>"})
    assert str(shown) == ('From <mark class="revealed" title="&lt;PERSON_1&gt;">Ana &lt;script&gt;</mark> '
                          "&lt;b&gt;at&lt;/b&gt; &lt;EMAIL_1&gt;")
    assert str(with_values("<EMAIL_1>", {})) == "&lt;EMAIL_1&gt;"
    assert str(with_values(None, {"<EMAIL_1>": "x"})) == ""
