"""The simulated portal's interface: SSO token, products, orders, chains, stage events."""

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cloud.portal_sim.checks import Checks, Invalid
from cloud.portal_sim.records import Record
from cloud.portal_sim.state import SimState

Endpoint = Callable[[Request], Awaitable[Response]]
__all__ = ["Endpoint", "Invalid", "PortalRoutes", "portal_error"]


def portal_error(status: int, error: str, message: str, where: str = "Gateway") -> JSONResponse:
    """An error answer as the portal gives them: {error, debugMessage, errorInFile}."""
    body = {"error": error, "debugMessage": message, "errorInFile": where}
    return JSONResponse(body, status_code=status)


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as err:
        raise Invalid("ERR_JSON", f"body is not JSON: {err}") from err


class PortalRoutes:
    """Routes built from the portal mapping (the same paths and names the adapter uses)."""

    def __init__(self, state: SimState):
        self.state = state
        self.f = state.mapping.fields
        self.checks = Checks(state)

    def routes(self, wrap: Callable[[Endpoint, bool], Endpoint]) -> list[Route]:
        """Every route, each wrapped by the fault gate (`wrap(endpoint, needs_token)`)."""
        paths = self.state.mapping.paths
        routes = [Route(self.state.mapping.token.path, wrap(self.token, False), methods=["POST"])]
        for kind, path in (
            ("product", paths.product),
            ("growing_area", paths.growing_area),
            ("location", paths.location),
            ("order", paths.order),
            ("chain", paths.chain),
            ("image", paths.image),
        ):
            routes.append(Route(path, wrap(self._creator(kind), True), methods=["POST"]))
            confirm = paths.confirm.format(path=path, id="{id}")
            routes.append(Route(confirm, wrap(self._confirmer(kind), True), methods=["PUT"]))
        if paths.event_bulk:
            routes.append(Route(paths.event_bulk, wrap(self.bulk_events, True), methods=["POST"]))
        if paths.confirm_bulk:
            routes.append(Route(paths.confirm_bulk, wrap(self.bulk_confirm, True), methods=["PUT"]))
        confirm = paths.confirm.format(path=paths.event, id="{id}")
        routes.append(Route(confirm, wrap(self._confirmer("event"), True), methods=["PUT"]))
        routes.append(Route(paths.event, wrap(self.event, True), methods=["POST"]))
        return routes

    async def token(self, request: Request) -> Response:
        """OAuth2 client credentials (form or JSON)."""
        raw = (await request.body()).decode()
        if request.headers.get("content-type", "").startswith("application/json"):
            given = await _json(request)
        else:
            given = {k: v[0] for k, v in parse_qs(raw).items()}
        settings, faults = self.state.mapping.token, self.state.faults
        if (given.get(settings.client_id_field), given.get(settings.client_secret_field)) != (
            faults.client_id,
            faults.client_secret,
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        token, ttl = self.state.issue_token()
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": ttl})

    def _creator(self, kind: str) -> Endpoint:
        async def create(request: Request) -> Response:
            body = await _json(request)
            record, _ = self.create(kind, body)
            return JSONResponse(self._answer(record))

        return create

    def _confirmer(self, kind: str) -> Endpoint:
        async def confirm(request: Request) -> Response:
            record = self.state.records.get(request.path_params["id"], kind)
            if record is None:
                raise Invalid("ERR_NOT_FOUND", f"no {kind} {request.path_params['id']}")
            self.state.records.confirm(record)
            return JSONResponse(self._answer(record))

        return confirm

    async def event(self, request: Request) -> Response:
        """Create one stage event."""
        body = await _json(request)
        record, _ = self.create("event", body, stage=request.path_params["stage"])
        return JSONResponse(self._answer(record))

    async def bulk_events(self, request: Request) -> Response:
        """Create a list of stage events; each gets its own result."""
        body = await _json(request)
        entries = body.get(self.f.list) if isinstance(body, dict) else None
        if not isinstance(entries, list):
            raise Invalid("ERR_VALIDATION", f"{self.f.list}: a list is required")
        results = []
        for entry in entries:
            reference = entry.get(self.f.client_reference) if isinstance(entry, dict) else None
            try:
                record, _ = self.create("event", entry, stage=request.path_params["stage"])
                results.append(self._answer(record))
            except Invalid as err:
                results.append({self.f.client_reference: reference, **err.body})
        return JSONResponse({self.f.results: results})

    async def bulk_confirm(self, request: Request) -> Response:
        """Confirm a list of stage events by id."""
        body = await _json(request)
        ids = body.get(self.f.list) if isinstance(body, dict) else None
        if not isinstance(ids, list):
            raise Invalid("ERR_VALIDATION", f"{self.f.list}: a list of ids is required")
        results: list[dict[str, Any]] = []
        for record_id in ids:
            record = self.state.records.get(str(record_id), "event")
            if record is None:
                results.append(
                    {
                        self.f.id: record_id,
                        "error": "ERR_NOT_FOUND",
                        "debugMessage": f"no event {record_id}",
                    }
                )
                continue
            self.state.records.confirm(record)
            results.append({self.f.id: record.id})
        return JSONResponse({self.f.results: results})

    def create(self, kind: str, body: Any, *, stage: str | None = None) -> tuple[Record, bool]:
        """Validate and create (or find, by client reference) one object."""
        if not isinstance(body, dict):
            raise Invalid("ERR_JSON", "an object is required")
        reference = body.get(self.f.client_reference)
        if not reference:
            raise Invalid("ERR_VALIDATION", f"{self.f.client_reference} is required")
        self.checks.check(kind, body, stage)
        return self.state.records.create(kind, str(reference), body)

    def _answer(self, record: Record) -> dict[str, Any]:
        answer = {self.f.id: record.id, self.f.client_reference: record.reference}
        if record.kind == "chain":
            answer[self.f.trace_code] = record.id
        return answer
