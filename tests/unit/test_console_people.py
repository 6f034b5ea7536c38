from pathlib import Path

from services.console.people import ConsolePeople, ensure_console_tokens
from shared.bearer_tokens import TokenTable
from shared.settings import REPO_ROOT


def test_the_shipped_roles_file_gives_reviewers_readers_and_slas_per_tenant() -> None:
    people = ConsolePeople.load(REPO_ROOT / "config" / "console-roles.yaml")
    assert people.roles_of("rita.reviewer") == {"reviewer", "pii_revealer"}
    assert people.roles_of("remy.reviewer") == {"reviewer"}  # a reviewer who may not reveal PII
    assert people.roles_of("rhea.reader") == {"reader"}
    assert people.roles_of("someone.unlisted") == {"reader"}  # signed in, not listed: may read only
    assert people.review_sla_minutes.minutes_for("globex") < people.review_sla_minutes.minutes_for("unknown-tenant")
    assert people.claim_seconds > 0


def test_every_listed_person_gets_one_private_token(tmp_path: Path) -> None:
    people = ConsolePeople(users={"rita.reviewer": ["reviewer"], "rhea.reader": ["reader"]})
    path = tmp_path / "console" / "users.yaml"
    assert ensure_console_tokens(path, people) is True
    assert ensure_console_tokens(path, people) is False  # nobody is missing: the file stays as it is
    assert path.stat().st_mode & 0o777 == 0o600
    token = TokenTable(path).token_of("rita.reviewer")
    assert token is not None and token.startswith("msc_")
    principal = TokenTable(path).authenticate(token)
    assert principal is not None and principal.name == "rita.reviewer"
