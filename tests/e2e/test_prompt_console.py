"""The prompt console in a real headless browser (Debian chromium driven by Playwright) against the running
registry, Kafka and Redis: edit, save, compare and promote; the promote control for a reader; the registry's
refusals shown verbatim. Registry state lives in Kafka across runs, so versions come from the current state and
production is rolled back at the end."""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from offline_eval.metrics import GUARDS
from services.console.drafts import next_version
from services.console.settings import ConsoleSettings
from services.registry.settings import RegistrySettings
from shared.bearer_tokens import TokenTable
from tests.support.browser import ensure_chromium

pytestmark = pytest.mark.usefixtures("running_services")

PROMPT = "extract-email"
ORIGINAL = "Answer with one JSON object that matches the response schema, and nothing else."
REWORDED = "Reply with exactly one JSON object that matches the response schema, and nothing else."
UNPROMOTED = "Answer with a single JSON object matching the response schema, and nothing else."
EVAL_TIMEOUT_MS = 420_000  # generous: the eval runs 330 golden mails twice on a 2-core machine
CONSOLE = ConsoleSettings().url


def token(principal: str) -> str:
    found = TokenTable(RegistrySettings().tokens_file).token_of(principal)
    assert found is not None, f"no registry token for {principal}"
    return found


def registry(method: str, path: str, principal: str = "ana.kovacs", **kwargs: Any) -> Any:
    response = httpx.request(method, f"{RegistrySettings().url}/v1{path}", timeout=30.0,
                             headers={"Authorization": f"Bearer {token(principal)}"}, **kwargs)
    response.raise_for_status()
    return response.json()


def registry_state() -> dict[str, Any]:
    state: dict[str, Any] = registry("GET", f"/prompts/{PROMPT}")
    return state


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = ensure_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(base_url=CONSOLE)  # a fresh cookie jar: one person per test
    yield context.new_page()
    context.close()


def sign_in(page: Page, principal: str) -> None:
    page.goto("/login")
    page.fill("#token", token(principal))
    page.click("#sign-in")
    expect(page.locator("#signed-in-as")).to_have_text(principal)


def open_edit_of_production(page: Page) -> str:
    """Open the prompt, then the edit form of its production version; returns production's version."""
    page.goto("/prompts")
    page.get_by_role("link", name=PROMPT, exact=True).click()
    production = registry_state()["labels"]["production"]
    expect(page.locator("#production-version")).to_have_text(production)
    page.click("#edit-production")
    expect(page.locator("h1")).to_have_text(f"New version of {PROMPT}")
    return str(production)


def save_draft(page: Page, system_text: str, changelog: str) -> str:
    """Save the edit as a patch bump; returns the version the console computed (checked against the state)."""
    expected = next_version([v["version"] for v in registry_state()["versions"]], "patch")
    page.locator("textarea[data-role=system]").fill(system_text)
    page.fill("#changelog", changelog)
    page.check("input[name=bump][value=patch]")
    page.click("#save-draft")
    expect(page).to_have_url(re.compile(rf"/prompts/{PROMPT}/versions/{re.escape(expected)}$"))
    expect(page.locator("#notice")).to_contain_text(f"Saved {PROMPT}@{expected} as a new draft version")
    return expected


@pytest.mark.timeout(600)
def test_an_owner_edits_saves_compares_and_promotes_to_production(page: Page) -> None:
    sign_in(page, "ana.kovacs")
    production_before = open_edit_of_production(page)
    system = page.locator("textarea[data-role=system]").input_value()
    # a harmless rewording; a run interrupted before its rollback may have left the reworded text in production
    assert ORIGINAL in system or REWORDED in system, "the answer-format sentence is not in production's prompt"
    edited = system.replace(ORIGINAL, REWORDED) if ORIGINAL in system else system.replace(REWORDED, ORIGINAL)
    version = save_draft(page, edited, "Reworded the answer-format sentence.")
    published = registry("GET", f"/prompts/{PROMPT}/versions/{version}")
    assert published["published_by"] == "ana.kovacs"
    assert published["artifact"]["messages"][0]["content"] == edited  # LF line breaks, exactly as typed

    page.click("#run-eval")
    expect(page.locator("#eval-progress").or_(page.locator("#verdict"))).to_be_visible()
    expect(page.locator("#verdict")).to_have_text("PASS", timeout=EVAL_TIMEOUT_MS)
    expect(page.locator("#comparison tbody tr")).to_have_count(len(GUARDS))
    expect(page.locator("#comparison")).to_contain_text("intent_accuracy")
    expect(page.locator("#splits thead")).to_contain_text("dev")
    expect(page.locator("#splits thead")).to_contain_text("heldout")
    expect(page.locator("#splits tbody tr")).to_have_count(len(GUARDS))

    try:
        page.select_option("#label", "production")
        page.fill("#reason", "the reworded sentence passed the offline eval against production")
        page.click("#promote-button")
        expect(page.locator("#notice")).to_contain_text(f"{PROMPT}@{version} is now production")
        resolved = registry("GET", f"/prompts/{PROMPT}/resolve", params={"label": "production"})
        assert resolved["version"] == version
        assert resolved["artifact"]["messages"][0]["content"] == edited
        promoted = [e for e in registry_state()["events"] if e["kind"] == "promoted" and e["version"] == version]
        assert promoted and promoted[-1]["actor"] == "ana.kovacs" and promoted[-1]["eval_run_id"]
    finally:
        if registry_state()["labels"]["production"] == version:
            registry("POST", f"/prompts/{PROMPT}/rollback", json={
                "label": "production", "reason": "browser test cleanup: back to the production it found"})
    assert registry_state()["labels"]["production"] == production_before


def test_a_reader_sees_the_promote_control_disabled_with_the_reason(page: Page) -> None:
    sign_in(page, "viewer")
    production = registry_state()["labels"]["production"]
    page.goto(f"/prompts/{PROMPT}/versions/{production}")
    expect(page.locator("#promote-button")).to_be_disabled()
    expect(page.locator("#promote-why-not")).to_contain_text(
        f"viewer may not promote {PROMPT}: only its owner (ana.kovacs) or a release manager may")


def test_bad_template_variables_and_a_promotion_without_an_eval_are_refused_clearly(page: Page) -> None:
    sign_in(page, "ana.kovacs")
    open_edit_of_production(page)
    system = page.locator("textarea[data-role=system]").input_value()

    page.locator("textarea[data-role=system]").fill(system + "\nThe customer tier is {{ customer_tier }}.\n")
    page.fill("#changelog", "Mention the customer tier.")
    page.click("#save-draft")
    expect(page.locator("#edit-error")).to_contain_text("the template uses undeclared variables: customer_tier")
    expect(page.locator("textarea[data-role=system]")).to_have_value(
        system + "\nThe customer tier is {{ customer_tier }}.\n")  # the edit is kept for fixing

    changed = system.replace(ORIGINAL, UNPROMOTED) if ORIGINAL in system else system + "\n"
    version = save_draft(page, changed, "A wording that is never evaluated.")
    expect(page.locator("#no-eval")).to_be_visible()
    gate = registry("GET", f"/prompts/{PROMPT}/versions/{version}/eval-runs")["gate"]
    assert gate["open"] is False
    page.select_option("#label", "production")
    page.fill("#reason", "trying without an eval run")
    page.click("#promote-button")
    expect(page.locator("#refusal")).to_contain_text("The registry refused the promotion (409):")
    expect(page.locator("#refusal-detail")).to_have_text(gate["message"])  # verbatim
    assert registry_state()["labels"]["production"] != version


def test_a_form_post_without_the_session_csrf_token_is_refused() -> None:
    response = httpx.post(f"{CONSOLE}/login", data={"token": token("ana.kovacs")}, timeout=10.0)
    assert response.status_code == 403
    assert "reload the page" in response.text
