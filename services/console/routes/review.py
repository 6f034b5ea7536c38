"""The review queue: open requests per tenant, oldest first, with their age against the tenant's SLA; one item
with its mail (placeholders; the values for a person with the role, audited), facts, proposed calls and what the
agent looked up; claim, release, approve, edit (with the diff shown before it is sent) and reject."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.people import ConsolePeople
from services.console.review.desk import ReviewDesk
from services.console.review.proposal import DecisionRefused, Verdict, edits_of, field_text
from services.console.review.queue_store import ClaimRefused, OpenItem, ReviewQueue
from services.console.review.reveal import placeholders_in, reveal_all, texts_of
from services.console.session import add_notice, check_csrf
from services.console.web import SignedIn, User, render
from shared.errors import DeadLetter, RetryLater

router = APIRouter()


def _queue(request: Request) -> ReviewQueue:
    queue: ReviewQueue = request.app.state.review_queue
    return queue


def tenant_queue(tenant: str, open_items: list[OpenItem], sla_minutes: int, now: datetime) -> dict[str, Any]:
    """One tenant's open items, oldest first, each with its age against the tenant's SLA (config)."""
    rows = []
    for found in open_items:
        age = (now - found.item.created_at).total_seconds() / 60
        rows.append({"item": found.item, "claimed_by": found.claimed_by, "age": age, "breached": age > sla_minutes,
                     "sla_share": age / sla_minutes})
    return {"name": tenant, "sla": sla_minutes, "rows": rows, "breached": sum(1 for r in rows if r["breached"])}


@router.get("/review", response_class=HTMLResponse)
async def queue_page(request: Request, user: SignedIn) -> Response:
    people: ConsolePeople = request.app.state.people
    now = datetime.now(UTC)
    tenants = [tenant_queue(tenant, await _queue(request).open_items(tenant),
                            people.review_sla_minutes.minutes_for(tenant), now)
               for tenant in await _queue(request).tenants()]
    return render(request, "review_queue.html", tenants=tenants)


def _no_such_item(request: Request, request_id: str) -> Response:
    return render(request, "error.html", status_code=404, title="No such review request",
                  error=f"No review request {request_id} is known to the console.")


async def _item_page(request: Request, user: User, request_id: str, *, status_code: int = 200,
                     error: str | None = None, form: dict[str, str] | None = None,
                     revealed: dict[str, str] | None = None) -> Response:
    queue = _queue(request)
    item = await queue.get(request_id)
    if item is None:
        return _no_such_item(request, request_id)
    response = render(request, "review_item.html", status_code=status_code, item=item, error=error,
                      mail=await request.app.state.mail_index.get(item.mail_id), revealed=revealed or {},
                      holder=await queue.holder(request_id), decision=await queue.decision_of(request_id),
                      fields=[(name, shown, (form or {}).get(name, shown)) for name, shown in item.editable()],
                      comment=(form or {}).get("comment", ""))
    if revealed:
        response.headers["Cache-Control"] = "no-store"  # the values stay out of every cache
    return response


@router.get("/review/{request_id}", response_class=HTMLResponse)
async def item_page(request: Request, request_id: str, user: SignedIn) -> Response:
    return await _item_page(request, user, request_id)


@router.post("/review/{request_id}/claim")
async def claim(request: Request, request_id: str, user: SignedIn,
                csrf: Annotated[str | None, Form()] = None) -> Response:
    check_csrf(request, csrf)
    user.require_decider()
    item = await _queue(request).get(request_id)
    if item is None:
        return _no_such_item(request, request_id)
    desk: ReviewDesk = request.app.state.review_desk
    try:
        await desk.claim(item, user.name)
    except ClaimRefused as refused:
        return await _item_page(request, user, request_id, status_code=409, error=f"You cannot claim it: {refused}")
    return RedirectResponse(f"/review/{request_id}", status_code=303)


@router.post("/review/{request_id}/release")
async def release(request: Request, request_id: str, user: SignedIn,
                  csrf: Annotated[str | None, Form()] = None) -> Response:
    check_csrf(request, csrf)
    user.require_decider()
    item = await _queue(request).get(request_id)
    if item is None:
        return _no_such_item(request, request_id)
    desk: ReviewDesk = request.app.state.review_desk
    if not await desk.release(item, user.name):
        return await _item_page(request, user, request_id, status_code=409, error="You do not hold this item.")
    add_notice(request, f"Released {item.mail_id}: another reviewer may take it.")
    return RedirectResponse("/review", status_code=303)


@router.post("/review/{request_id}/reveal", response_class=HTMLResponse)
async def reveal(request: Request, request_id: str, user: SignedIn,
                 csrf: Annotated[str | None, Form()] = None) -> Response:
    """The real values behind the placeholders of the mail, the facts and the proposed calls, shown once (a reload
    shows placeholders again); the audit event (who, which mail, which placeholders, when) is written first."""
    check_csrf(request, csrf)
    user.require_revealer()
    item = await _queue(request).get(request_id)
    if item is None:
        return _no_such_item(request, request_id)
    vault = request.app.state.pii_vault
    if vault is None:
        return await _item_page(request, user, request_id, status_code=503,
                                error="This console holds no PII vault key, so it cannot reveal values.")
    mail = await request.app.state.mail_index.get(item.mail_id) or {}
    placeholders = placeholders_in(texts_of([mail.get(f) for f in ("sender", "subject", "body")] + [
        item.facts, [c.arguments for c in item.calls]]))
    try:
        values = await reveal_all(vault, item.mail_id, placeholders)
    except (DeadLetter, RetryLater) as failed:
        return await _item_page(request, user, request_id, status_code=503, error=f"Nothing revealed: {failed}")
    desk: ReviewDesk = request.app.state.review_desk
    await desk.revealed(item, user.name, list(values))
    missing = sorted(set(placeholders) - set(values))
    return await _item_page(request, user, request_id, revealed=values, error=(
        f"The vault no longer holds {', '.join(missing)} (expired or never sealed)." if missing else None))


async def _form_fields(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/review/{request_id}/preview", response_class=HTMLResponse)
async def preview_edit(request: Request, request_id: str, user: SignedIn) -> Response:
    """The diff of the edited fields against the proposal, before anything is sent."""
    form = await _form_fields(request)
    check_csrf(request, form.get("csrf"))
    user.require_decider()
    item = await _queue(request).get(request_id)
    if item is None:
        return await _item_page(request, user, request_id)
    try:
        edits = edits_of(item, form)
    except DecisionRefused as refused:
        return await _item_page(request, user, request_id, status_code=422, error=str(refused), form=form)
    if not edits:
        return await _item_page(request, user, request_id, status_code=422, form=form,
                                error="Nothing was changed: approve the proposal as it is, or change a field.")
    return render(request, "review_diff.html", item=item, form=form,
                  diff=[(name, field_text(old), field_text(new)) for name, (old, new) in edits.items()])


@router.post("/review/{request_id}/decide")
async def decide(request: Request, request_id: str, user: SignedIn) -> Response:
    form = await _form_fields(request)
    check_csrf(request, form.get("csrf"))
    user.require_decider()
    item = await _queue(request).get(request_id)
    verdict = form.get("verdict", "")
    if item is None or verdict not in ("approve", "edit", "reject"):
        return await _item_page(request, user, request_id, status_code=422,
                                error="Choose approve, edit or reject.")
    desk: ReviewDesk = request.app.state.review_desk
    try:
        edits: dict[str, tuple[Any, Any]] = edits_of(item, form) if verdict == "edit" else {}
        chosen: Verdict = "approve" if verdict == "approve" else "edit" if verdict == "edit" else "reject"
        await desk.decide(item, user.name, chosen, edits, form.get("comment"))
    except (ClaimRefused, DecisionRefused) as refused:
        return await _item_page(request, user, request_id, status_code=409 if isinstance(refused, ClaimRefused)
                                else 422, error=f"Not sent: {refused}", form=form)
    add_notice(request, f"Sent: {verdict} of {item.mail_id} ({', '.join(c.tool for c in item.calls)}).")
    return RedirectResponse("/review", status_code=303)
