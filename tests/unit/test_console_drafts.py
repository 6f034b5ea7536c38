"""The prompt console's pure parts: the next version from the newest existing one, the draft built from an
edit (validated, sealed), the eval comparison as table cells, and the promote rule shown before clicking."""

from datetime import UTC, datetime

import pytest

from services.console.drafts import Bump, build_draft, next_version
from services.console.eval_view import comparison_rows, split_rows
from services.console.web import User
from shared.bearer_tokens import Principal
from shared.contracts.eval_run import EvalRunRecord, MetricComparison
from shared.prompts import ArtifactError, PromptArtifact, PromptLibrary
from shared.settings import REPO_ROOT

SENTENCE = "Answer with one JSON object that matches the response schema, and nothing else."


@pytest.fixture(scope="module")
def base() -> PromptArtifact:
    return PromptLibrary(REPO_ROOT / "prompts").get("extract-email", "1.0.0")


@pytest.mark.parametrize(("existing", "bump", "expected"), [
    (["1.0.0"], "patch", "1.0.1"),
    (["1.0.0"], "minor", "1.1.0"),
    (["1.0.0"], "major", "2.0.0"),
    (["1.0.0", "1.2.3", "1.10.0", "1.9.9"], "patch", "1.10.1"),  # by semver, not as text
    (["2.0.0", "1.4.0"], "minor", "2.1.0"),  # from the newest, whatever the order given
    ([], "patch", "1.0.0"),
])
def test_next_version_bumps_the_newest_existing_version(existing: list[str], bump: Bump, expected: str) -> None:
    assert next_version(existing, bump) == expected


def test_next_version_refuses_a_version_that_is_not_semver() -> None:
    with pytest.raises(ValueError, match="not a semantic version"):
        next_version(["1.0"], "patch")


def test_a_draft_copies_the_base_with_the_edited_text_and_is_sealed(base: PromptArtifact) -> None:
    system, user = (m.content for m in base.messages)
    edited = system.replace(SENTENCE, "Reply with one JSON object that matches the response schema.")
    # a browser sends textarea line breaks as CRLF
    draft = build_draft(base, version="1.0.1", contents=[edited.replace("\n", "\r\n"), user],
                        changelog="Reworded the answer-format sentence.\r\n")

    assert (draft.version, draft.changelog) == ("1.0.1", "Reworded the answer-format sentence.")
    assert draft.messages[0].content == edited
    assert draft.messages[1] == base.messages[1]
    assert (draft.owner, draft.model, draft.variables, draft.output_schema) == (
        base.owner, base.model, base.variables, base.output_schema)
    assert draft.verify() is draft
    assert draft.content_hash != base.content_hash


def test_a_draft_with_an_undeclared_template_variable_names_it(base: PromptArtifact) -> None:
    system, user = (m.content for m in base.messages)
    expected = r"extract-email@1\.0\.1 cannot be saved: the template uses undeclared variables: customer_tier\. The"
    with pytest.raises(ArtifactError, match=expected):
        build_draft(base, version="1.0.1", contents=[system + "\nTier: {{ customer_tier }}\n", user],
                    changelog="Mention the tier.")


def test_a_draft_that_drops_a_declared_variable_names_it(base: PromptArtifact) -> None:
    system, user = (m.content for m in base.messages)
    with pytest.raises(ArtifactError, match="declared variables the template never uses: received_date"):
        build_draft(base, version="1.0.1", changelog="Without the date.",
                    contents=[system.replace("{{ received_date }}", "today"),
                              user.replace("{{ received_date }}", "today")])


def test_a_draft_without_a_text_change_or_changelog_is_refused(base: PromptArtifact) -> None:
    contents = [m.content for m in base.messages]
    with pytest.raises(ArtifactError, match="no message text changed"):
        build_draft(base, version="1.0.1", contents=contents, changelog="Nothing really.")
    with pytest.raises(ArtifactError, match="changelog"):
        build_draft(base, version="1.0.1", contents=[contents[0] + " ", contents[1]], changelog="  ")


def _record(worse: bool) -> EvalRunRecord:
    comparison = MetricComparison(metric="intent_accuracy", guarded=True, floor=0.7, baseline=0.9, candidate=0.8,
                                  delta=-0.1, ci_low=-0.15, ci_high=-0.05, p_value=0.0004,
                                  significantly_worse=worse, below_floor=False)
    return EvalRunRecord(run_id="r1", created_at=datetime.now(UTC), dataset_hash="sha256:x", dataset_split="all",
                         mails=10, prompt_name="extract-email", candidate_version="1.0.1", candidate_hash="c",
                         baseline_version="1.0.0", baseline_hash="b", model="m", metrics={"intent_accuracy": 0.8},
                         baseline_metrics={"intent_accuracy": 0.9}, comparisons=[comparison],
                         verdict="fail" if worse else "pass", reasons=[])


def test_the_comparison_rows_carry_delta_interval_p_floor_and_result() -> None:
    (row,) = comparison_rows(_record(worse=True))
    assert (row.metric, row.baseline, row.candidate, row.delta, row.ci, row.p, row.bound, row.result) == (
        "intent_accuracy", "0.900", "0.800", "-0.100", "[-0.150, -0.050]", "<0.001", "≥ 0.70", "WORSE")
    splits, (split_row,) = split_rows(_record(worse=False), {
        "dev": ({"intent_accuracy": 0.9}, {"intent_accuracy": 0.95}), "heldout": (None, {"intent_accuracy": 0.5})})
    assert splits == ["dev", "heldout"]
    assert split_row.cells == [("0.900", "0.950", "+0.050"), ("-", "0.500", "-")]


def test_the_promote_control_follows_the_registry_rule() -> None:
    def user(name: str, *roles: str) -> User:
        return User(token="t", principal=Principal(name, frozenset(roles)))

    assert user("ana.kovacs", "reader").promote_refusal("extract-email", "ana.kovacs") is None
    assert user("rel.manager", "release_manager").promote_refusal("extract-email", "ana.kovacs") is None
    refusal = user("viewer", "reader").promote_refusal("extract-email", "ana.kovacs")
    assert refusal is not None and "viewer may not promote extract-email" in refusal
    assert User(token="t", principal=None).promote_refusal("extract-email", "ana.kovacs") is None
