"""What every console page shares: the signed-in user, the registry client for them, and template rendering."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.console.registry_client import RegistryClient
from services.console.session import csrf_token, pop_notice, session_of
from shared.bearer_tokens import Principal, TokenTable
from shared.prompts.access import AccessDenied, authorize_release

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescape is on for .html


class NotSignedIn(Exception):
    """No registry token in the session: the visitor is sent to the sign-in page."""


@dataclass(frozen=True)
class User:
    token: str
    principal: Principal | None  # None when the token is not in the local tokens file (a remote registry)

    @property
    def name(self) -> str:
        return self.principal.name if self.principal else "a registry user"

    @property
    def roles(self) -> str:
        return ", ".join(sorted(self.principal.roles)) if self.principal else "unknown roles"

    def promote_refusal(self, prompt: str, owner: str | None) -> str | None:
        """Why this user may not promote ``prompt`` (the registry's own rule), or None if they may. When the
        console cannot tell who the token belongs to, it lets the registry decide."""
        if self.principal is None:
            return None
        try:
            authorize_release(self.principal, prompt, owner, "promote")
        except AccessDenied as denied:
            return str(denied)
        return None


def current_user(request: Request) -> User:
    token = session_of(request).get("token")
    if not token:
        raise NotSignedIn()
    tokens: TokenTable = request.app.state.tokens
    return User(token=str(token), principal=tokens.authenticate(str(token)))


SignedIn = Annotated[User, Depends(current_user)]


def registry_for(request: Request, user: User) -> RegistryClient:
    return RegistryClient(request.app.state.registry_http, user.token)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    token = session_of(request).get("token")
    user = current_user(request) if token else None
    return templates.TemplateResponse(request, template, status_code=status_code, context={
        "user": user, "csrf": csrf_token(request), "notice": pop_notice(request), **context})
