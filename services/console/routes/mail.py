"""A page per mail: find it by mail id, Message-ID, customer key or the customer's address; then its trace as a
waterfall, the decisions in it, its eval scores, its review and whether its audit chain verifies."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.mail.audit_store import AuditStore
from services.console.mail.mail_index import MailIndex
from services.console.mail.trace_waterfall import TraceUnavailable, fetch_spans, highlights, waterfall
from services.console.review.queue_store import ReviewQueue
from services.console.web import SignedIn, render

router = APIRouter()


@router.get("/mail", response_class=HTMLResponse)
async def search(request: Request, user: SignedIn, q: Annotated[str, Query(max_length=998)] = "") -> Response:
    index: MailIndex = request.app.state.mail_index
    found = await index.search(q, request.app.state.customer_key_of) if q.strip() else []
    if len(found) == 1:
        return RedirectResponse(f"/mail/{found[0]}", status_code=303)
    mails = [m for m in [await index.get(mail_id) for mail_id in found] if m]
    missing = f"No mail matches {q!r} (a mail id, a Message-ID, a customer key or address)."
    return render(request, "mail_search.html", q=q, mails=mails, error=missing if q and not found else None)


@router.get("/mail/{mail_id}", response_class=HTMLResponse)
async def mail_page(request: Request, mail_id: str, user: SignedIn) -> Response:
    index: MailIndex = request.app.state.mail_index
    mail = await index.get(mail_id)
    audit_store: AuditStore = request.app.state.audit_store
    audit = await audit_store.of_mail(mail_id)
    trace_id = (mail or {}).get("trace_id") or next((e.trace_id for e in audit.events if e.trace_id), None)
    spans, trace_error = [], None
    if trace_id:
        try:
            spans = await fetch_spans(request.app.state.jaeger_http, trace_id)
        except TraceUnavailable as unavailable:
            trace_error = str(unavailable)
    if mail is None and not audit.events:
        return render(request, "mail_search.html", status_code=404, q=mail_id, mails=[],
                      error=f"The console knows no mail {mail_id}.")
    queue: ReviewQueue = request.app.state.review_queue
    return render(request, "mail.html", mail_id=mail_id, mail=mail, trace_id=trace_id, trace_error=trace_error,
                  rows=waterfall(spans), highlights=highlights(spans), audit=audit,
                  scores=await index.scores(mail_id), reviews=await queue.of_mail(mail_id))
