"""What the simulated portal checks of each object: its fields, and the portal's order of work.

Order: products, growing areas and locations first; a production order names a confirmed
product (and growing area); a chain a confirmed order; a stage event a confirmed order, chain
and location (a certification names its certificate instead); an evidence image a confirmed
stage event.
"""

from typing import Any

from cloud.forward.portal.gtin import valid_gtin
from cloud.portal_sim.state import SimState

STAGES = frozenset(
    {
        "SU_KIEN_VUNG_TRONG",
        "CHE_BIEN",
        "KHO_TONG",
        "VAN_CHUYEN",
        "CHUNG_NHAN",
        "DAI_LY",
        "CUA_HANG",
    }
)
CERTIFICATION = "CHUNG_NHAN"


class Invalid(Exception):
    """A request the portal refuses (400), in its error shape."""

    def __init__(self, error: str, message: str, where: str = "GatewayController.java"):
        super().__init__(message)
        self.body = {"error": error, "debugMessage": message, "errorInFile": where}


class Checks:
    """Validation of each kind of object, against what the simulator already holds."""

    def __init__(self, state: SimState):
        self.state = state
        self.f = state.mapping.fields

    def check(self, kind: str, body: dict[str, Any], stage: str | None) -> None:
        """Raise Invalid unless `body` is a valid `kind` whose prerequisites are confirmed."""
        getattr(self, f"_{kind}")(body, stage)

    def _require(self, body: dict[str, Any], names: dict[str, str], *keys: str) -> None:
        for key in keys:
            if body.get(names[key]) in (None, "", []):
                raise Invalid("ERR_VALIDATION", f"{names[key]} is required", "Validator.java")

    def _product(self, body: dict[str, Any], stage: str | None) -> None:
        names = self.f.product
        self._require(body, names, "gtin", "name", "images", "net_weight", "unit", "group")
        gtin = str(body[names["gtin"]])
        if len(gtin) not in (8, 13, 14) or not valid_gtin(gtin):
            raise Invalid("ERR_GTIN", f"{names['gtin']} {gtin}: invalid GTIN", "GtinUtil.java")
        catalogue = self.state.faults.product_groups
        if catalogue is not None and body[names["group"]] not in catalogue:
            raise Invalid(
                "ERR_DANH_MUC",
                f"{names['group']} {body[names['group']]!r}: not in the catalogue",
                "DanhMucService.java",
            )

    def _growing_area(self, body: dict[str, Any], stage: str | None) -> None:
        self._require(body, self.f.growing_area, "code", "name")

    def _location(self, body: dict[str, Any], stage: str | None) -> None:
        self._require(body, self.f.location, "trace_code", "name", "kind")

    def _order(self, body: dict[str, Any], stage: str | None) -> None:
        names = self.f.order
        self._require(body, names, "product_id", "lot")
        self._exists(body[names["product_id"]], "product", names["product_id"])
        area = body.get(names["growing_area"])
        if area not in (None, ""):
            self._named(area, "growing_area", self.f.growing_area["code"], names["growing_area"])

    def _chain(self, body: dict[str, Any], stage: str | None) -> None:
        names = self.f.chain
        self._require(body, names, "order_id")
        self._exists(body[names["order_id"]], "order", names["order_id"])

    def _event(self, body: dict[str, Any], stage: str | None) -> None:
        names = self.f.event
        if stage not in STAGES:
            raise Invalid("ERR_DANH_MUC", f"unknown stage {stage}", "SuKienService.java")
        self._require(body, names, "order_id", "trace_code", "time", "product_trace_code")
        self._exists(body[names["order_id"]], "order", names["order_id"])
        self._exists(body[names["trace_code"]], "chain", names["trace_code"])
        if stage == CERTIFICATION:
            certificate = body.get(names["certificate"])
            if not isinstance(certificate, dict):
                raise Invalid("ERR_VALIDATION", f"{names['certificate']} is required")
            self._require(certificate, self.f.certificate, "kind", "number", "issuer")
            return
        self._require(body, names, "location_trace_code")
        where = body[names["location_trace_code"]]
        self._named(where, "location", self.f.location["trace_code"], names["location_trace_code"])

    def _image(self, body: dict[str, Any], stage: str | None) -> None:
        names = self.f.image
        self._require(body, names, "event_id", "url")
        self._exists(body[names["event_id"]], "event", names["event_id"])

    def _exists(self, record_id: Any, kind: str, name: str) -> None:
        record = self.state.records.get(str(record_id), kind)
        if record is None:
            raise Invalid("ERR_NOT_FOUND", f"{name} {record_id}: no such {kind}")
        if not record.confirmed:
            raise Invalid("ERR_NOT_CONFIRMED", f"{name} {record_id}: {kind} not confirmed")

    def _named(self, value: Any, kind: str, field: str, name: str) -> None:
        """A confirmed `kind` whose `field` is `value` must exist (e.g. a location's code)."""
        for record in self.state.records.by_kind.get(kind, {}).values():
            if record.confirmed and record.body.get(field) == value:
                return
        raise Invalid("ERR_NOT_FOUND", f"{name} {value}: no confirmed {kind} with this code")
