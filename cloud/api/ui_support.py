"""Server-rendered pages: the Jinja2 environment, the language cookie and the static files."""

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from cloud.api.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from cloud.local_time import local

_HERE = Path(__file__).parent
LANG_COOKIE = "txng_lang"

templates = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # packaged templates: no stat() of the file on every page
)


def _date(value: Any) -> str:
    """A date, or the date of a time in Vietnam time (the page names the zone): dd/mm/yyyy."""
    if value is None:
        return "—"
    day = local(value) if isinstance(value, datetime) else value
    return f"{day.day:02d}/{day.month:02d}/{day.year}"  # strftime("%d/%m/%Y"), without its cost


def _datetime(value: Any) -> str:
    """A time in Vietnam time (the page names the zone)."""
    return local(value).strftime("%d/%m/%Y %H:%M") if value is not None else "—"


templates.filters["d"] = _date
templates.filters["dt"] = _datetime


def language(request: Request) -> str:
    """The page language: ?lang=, else the cookie, else Vietnamese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def render_html(request: Request, name: str, **context: Any) -> str:
    """Template `name` rendered in the request's language."""
    lang = language(request)
    return templates.get_template(name).render(
        request=request, lang=lang, t=translator(lang), languages=LANGUAGES, **context
    )


def remember_language(request: Request, response: Response) -> None:
    """Set the language cookie when ?lang= named a known language."""
    lang = language(request)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render template `name` in the request's language."""
    response = HTMLResponse(render_html(request, name, **context), status_code=status_code)
    remember_language(request, response)
    return response


def mount_static(app: FastAPI) -> None:
    """Serve the packaged CSS and JavaScript under /static (nothing from a CDN)."""
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
