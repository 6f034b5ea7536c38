"""What every console page shares: the signed-in user and their roles, the registry client for them, and template
rendering. A person signs in once, with a registry token or a console token; the console roles come from
config/console-roles.yaml either way."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.console.people import DECIDING_ROLES, REVEALING_ROLE, ConsolePeople
from services.console.registry_client import RegistryClient
from services.console.review.proposal import field_text
from services.console.review.reveal import with_values
from services.console.session import csrf_token, pop_notice, session_of
from shared.bearer_tokens import Principal, TokenTable
from shared.prompts.access import AccessDenied, authorize_release

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescape is on for .html
templates.env.filters["with_values"] = with_values  # a text with revealed PII marked (escaped otherwise)
templates.env.filters["field_text"] = field_text  # a fact as a person reads it: lists comma-separated


class NotSignedIn(Exception):
    """No valid token in the session: the visitor is sent to the sign-in page."""


class RoleRequired(Exception):
    """Signed in, but without the role this page or action needs (HTTP 403, shown as a message)."""


class NeedsRegistryToken(Exception):
    """A prompt page for someone signed in with a console token: the registry needs its own token."""


@dataclass(frozen=True)
class User:
    token: str | None  # the registry token; None for a person signed in with a console token
    principal: Principal | None  # None when the token is not in the local tokens file (a remote registry)
    console_roles: frozenset[str] = frozenset({"reader"})

    @property
    def name(self) -> str:
        return self.principal.name if self.principal else "a registry user"

    @property
    def roles(self) -> str:
        return ", ".join(sorted(self.console_roles))

    @property
    def may_decide(self) -> bool:
        return bool(self.console_roles & DECIDING_ROLES)

    def require_decider(self) -> None:
        if not self.may_decide:
            raise RoleRequired(f"{self.name} may not decide reviews: the role reviewer or release_manager is "
                               "needed (config/console-roles.yaml)")

    @property
    def may_reveal(self) -> bool:
        return REVEALING_ROLE in self.console_roles

    def require_revealer(self) -> None:
        if not self.may_reveal:
            raise RoleRequired(f"{self.name} may not reveal personal data: the role {REVEALING_ROLE} is needed "
                               "(config/console-roles.yaml)")

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
    """Tokens are checked on every request, so a revoked one signs its holder out at once."""
    session = session_of(request)
    people: ConsolePeople = request.app.state.people
    if session.get("console_token"):
        console_tokens: TokenTable = request.app.state.console_tokens
        person = console_tokens.authenticate(str(session["console_token"]))
        if person is None:
            raise NotSignedIn()
        return User(token=None, principal=person, console_roles=people.roles_of(person.name))
    token = session.get("token")
    if not token:
        raise NotSignedIn()
    tokens: TokenTable = request.app.state.tokens
    principal = tokens.authenticate(str(token))
    roles = people.roles_of(principal.name if principal else None)
    return User(token=str(token), principal=principal, console_roles=roles)


SignedIn = Annotated[User, Depends(current_user)]


def registry_for(request: Request, user: User) -> RegistryClient:
    if user.token is None:
        raise NeedsRegistryToken(f"{user.name} signed in with a console token; the prompt pages need a registry "
                                 "token: sign out and sign in with it")
    return RegistryClient(request.app.state.registry_http, user.token)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session = session_of(request)
    user = current_user(request) if session.get("token") or session.get("console_token") else None
    return templates.TemplateResponse(request, template, status_code=status_code, context={
        "user": user, "csrf": csrf_token(request), "notice": pop_notice(request), **context})
