"""Request dependencies: who is asking, and may they."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.contracts import Actor, Role

_bearer = HTTPBearer(auto_error=False, description="A token issued to the secretariat, the chair or a delegation")


def current_actor(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Actor:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Send your credential as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    actor = request.app.state.credentials.actor_for(credentials.credentials)
    if actor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "This token is not known here.", headers={"WWW-Authenticate": "Bearer"}
        )
    return actor


def require(*roles: Role):
    def check(actor: Actor = Depends(current_actor)) -> Actor:
        if actor.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"This needs the role {allowed}; yours is {actor.role.value}."
            )
        return actor

    return check
