"""The FastAPI dependency every bearer-token API uses: the caller's principal from ``app.state.tokens``, or 401
with a message that says where the tokens are. Roles are checked by each API's own rules."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.bearer_tokens import Principal, TokenTable

_bearer = HTTPBearer(auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer_principal(request: Request,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    tokens: TokenTable = request.app.state.tokens
    if credentials is None:
        raise HTTPException(401, "no bearer token: send `Authorization: Bearer TOKEN` (local-development tokens "
                                 f"are in {tokens.path})", headers=_CHALLENGE)
    principal = tokens.authenticate(credentials.credentials)
    if principal is None:
        raise HTTPException(401, f"unknown bearer token: it is not in {tokens.path}", headers=_CHALLENGE)
    return principal


Caller = Annotated[Principal, Depends(bearer_principal)]
