"""Browser sessions: the login form, a signed-in HttpOnly cookie, log out, language switch."""

from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cloud.api.access import Sites, access
from cloud.api.auth import SESSION_COOKIE
from cloud.api.deps import CursorDep, SettingsDep
from cloud.api.i18n import LANGUAGES
from cloud.api.ui_support import LANG_COOKIE, render
from cloud.auth.secrets import new_token, token_hash, verify_login
from cloud.db import auth_store
from cloud.settings.api import cookie_secure

# Anyone may log in, out or switch languages; none of it shows a site's data.
router = APIRouter(
    tags=["web UI"], include_in_schema=False, dependencies=[access(sites=Sites.NONE)]
)


async def form_fields(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict (first value of each field)."""
    body = (await request.body())[:10_000].decode(errors="replace")
    return {k: v[0] for k, v in parse_qs(body).items()}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def _local(target: str | None) -> str:
    """Only redirect within this site."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The login form."""
    return render(request, "login.html", next=_local(next), error=False)


@router.post("/login", response_model=None)
def login(request: Request, cur: CursorDep, settings: SettingsDep, form: FormDep) -> Response:
    """Check the password (scrypt); on success set the session cookie and go on.

    Failed logins are counted per account name and per address; past the limits the form
    answers 429 without checking anything. Unknown and known names cost the same work.
    """
    username = form.get("username", "")[:200]
    address = request.client.host if request.client else "unknown"
    window = settings.api_login_window_s
    per_account, per_address = auth_store.recent_login_failures(
        cur, username=username, address=address, window_s=window
    )
    if (
        per_account >= settings.api_login_failures_per_account
        or per_address >= settings.api_login_failures_per_address
    ):
        slow = render(
            request, "login.html", status_code=429, next=_local(form.get("next")), error="slow"
        )
        slow.headers["Retry-After"] = str(int(window))
        return slow
    found = auth_store.user_for_login(cur, username=username)
    if not verify_login(form.get("password", ""), found[1] if found else None) or found is None:
        auth_store.add_login_failure(cur, username=username, address=address, keep_s=window)
        return render(
            request, "login.html", status_code=401, next=_local(form.get("next")), error=True
        )
    auth_store.clear_login_failures(cur, username=username)
    token = new_token("s")
    lifetime = timedelta(hours=settings.api_session_hours)
    auth_store.add_session(
        cur, user_id=found[0].id, token_hash=token_hash(token), lifetime=lifetime
    )
    response = RedirectResponse(_local(form.get("next")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=cookie_secure(settings),
    )
    return response


@router.post("/logout")
def logout(request: Request, cur: CursorDep) -> RedirectResponse:
    """End the session and go to the login form."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        auth_store.end_session(cur, token_hash=token_hash(cookie))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> RedirectResponse:
    """Switch the UI language (vi, en) and go back."""
    response = RedirectResponse(_local(next or request.headers.get("referer-path")), 303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response
