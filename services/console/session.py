"""The console's session: one cookie, encrypted and signed (Fernet), HttpOnly and SameSite=Strict, holding the
registry bearer token (or the console token), the CSRF token and a one-shot notice. The key is a
local-development secret."""

import hmac
import json
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response
from starlette.types import ASGIApp

COOKIE = "mailspine_console"


def session_key(path: Path) -> bytes:
    """The cookie key; generated on first run (file mode 600, folder 700), never overwritten."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        temporary = path.with_suffix(".tmp")
        temporary.touch(mode=0o600)
        temporary.chmod(0o600)
        temporary.write_bytes(Fernet.generate_key())
        temporary.replace(path)
    return path.read_bytes().strip()


class CsrfRefused(Exception):
    """A form post without this session's CSRF token (HTTP 403)."""


class SessionMiddleware(BaseHTTPMiddleware):
    """Loads ``request.state.session`` (a dict) and writes the cookie back only when it changed."""

    def __init__(self, app: ASGIApp, *, key: bytes, max_age: int, secure: bool) -> None:
        super().__init__(app)
        self.fernet = Fernet(key)
        self.max_age = max_age
        self.secure = secure

    def _load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = json.loads(self.fernet.decrypt(raw.encode(), ttl=self.max_age))
        except (InvalidToken, ValueError):
            return {}  # expired, forged or from an earlier key: start over, signed out
        return data if isinstance(data, dict) else {}

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        session = self._load(request.cookies.get(COOKIE))
        before = json.dumps(session, sort_keys=True)
        request.state.session = session
        response = await call_next(request)
        if json.dumps(session, sort_keys=True) != before:
            if session:
                value = self.fernet.encrypt(json.dumps(session).encode()).decode()
                response.set_cookie(COOKIE, value, max_age=self.max_age, httponly=True, samesite="strict",
                                    secure=self.secure, path="/")
            else:
                response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=self.secure)
        return response


def session_of(request: Request) -> dict[str, Any]:
    session: dict[str, Any] = request.state.session
    return session


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use (a signed-out visitor gets one for the sign-in form)."""
    session = session_of(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = session_of(request).get("csrf")
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise CsrfRefused("this form is out of date or did not come from the console: reload the page and try again")


def start_session(request: Request, token: str, *, console: bool = False) -> None:
    """Sign in: a fresh session (new CSRF token) holding the registry token, or the console token."""
    session = session_of(request)
    session.clear()
    session.update({"console_token" if console else "token": token, "csrf": secrets.token_urlsafe(32)})


def add_notice(request: Request, text: str) -> None:
    session_of(request)["notice"] = text


def pop_notice(request: Request) -> str | None:
    notice = session_of(request).pop("notice", None)
    return str(notice) if notice else None
