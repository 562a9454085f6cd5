"""Typed rows of the master-data CSV files; each validates on creation."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from contract import BizStep

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Lot = Annotated[str, Field(pattern=r"^[!-~]{1,20}$")]
LocationKind = Literal["farm_plot", "packing_line", "cold_room", "warehouse", "vehicle", "shop"]


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of the digits in `body` (everything but the check digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _check_gs1_key(value: str, lengths: tuple[int, ...], what: str) -> str:
    if not value.isdigit() or len(value) not in lengths:
        raise ValueError(f"{what} must be {' or '.join(map(str, lengths))} digits")
    if gs1_check_digit(value[:-1]) != int(value[-1]):
        raise ValueError(f"{what} check digit is wrong (expected {gs1_check_digit(value[:-1])})")
    return value


def normalise_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 with a valid check digit, as 14 digits."""
    return _check_gs1_key(value.strip(), (8, 12, 13, 14), "GTIN").zfill(14)


def _check_gln(value: str) -> str:
    return _check_gs1_key(value.strip(), (13,), "GLN")


Gtin = Annotated[str, AfterValidator(normalise_gtin)]
Gln = Annotated[str, AfterValidator(_check_gln)]


class Row(BaseModel):
    """A CSV row: unknown columns are errors, and empty cells mean 'no value'."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ProfileRow(Row):
    """A cold-chain profile: allowed range, excursion durations, hysteresis, MKT limit."""

    id: Code
    name: str = Field(min_length=1)
    quantity: Literal["temperature", "relative_humidity"] = "temperature"
    min_value: float | None = None
    max_value: float | None = None
    single_excursion_s: int = Field(default=0, ge=0)
    cumulative_excursion_s: int | None = Field(default=None, ge=0)
    hysteresis: float = Field(default=0.5, ge=0)
    mkt_max: float | None = None
    silent_after_s: int = Field(default=900, gt=0)


class GroupRow(Row):
    """A product group and the cold-chain profile its products inherit."""

    id: Code
    name: str = Field(min_length=1)
    profile_id: Code | None = None


class ProductRow(Row):
    """A product (GTIN) with what the national portal needs of it."""

    gtin: Gtin
    name: str = Field(min_length=1)
    product_group: Code | None = None
    ocop_stars: int | None = Field(default=None, ge=1, le=5)
    producer_name: str | None = None
    producer_address: str | None = None
    producer_gln: Gln | None = None
    image_url: str | None = Field(default=None, pattern=r"^https?://")
    net_content: str | None = None
    standards: str | None = None
    shelf_life_days: int | None = Field(default=None, gt=0)
    profile_id: Code | None = None
    serialised: bool = False


class BatchRow(Row):
    """A production lot; `inputs` lists the batches it was made from as GTIN/LOT;GTIN/LOT."""

    gtin: Gtin
    lot: Lot
    production_date: date | None = None
    pack_date: date | None = None
    expiry_date: date | None = None
    origin_code: str | None = None
    site_id: Code | None = None
    quantity: Decimal | None = Field(default=None, ge=0)
    unit: str | None = None
    inputs: tuple[tuple[str, str], ...] = ()

    @field_validator("inputs", mode="before")
    @classmethod
    def _inputs(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs = []
        for part in filter(None, (p.strip() for p in value.split(";"))):
            gtin, sep, lot = part.partition("/")
            if not sep or not lot:
                raise ValueError(f"input {part!r} is not GTIN/LOT")
            pairs.append((normalise_gtin(gtin), lot))
        return tuple(pairs)


class ItemRow(Row):
    """One serial (SGTIN) commissioned into the batch GTIN + lot."""

    gtin: Gtin
    serial: Lot
    lot: Lot
    commissioned_at: AwareDatetime | None = None


class SensorRow(Row):
    """A probe (site, device, sensor as its readings name it) and its calibration."""

    site: Code
    device: Code
    sensor: Code
    model: str | None = None
    serial_number: str | None = None
    accuracy: str | None = None
    calibration_ref: str | None = None
    calibrated_on: date | None = None
    calibration_due: date | None = None


class LocationRow(Row):
    """A location inside a site, with its kind, GLN and coordinates (for integrity checks)."""

    site: Code
    code: Code
    kind: LocationKind
    name: str | None = None
    gln: Gln | None = None
    gln_extension: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    area_code: Code | None = Field(
        default=None, description="A farm plot's growing-area code (mã số vùng trồng)"
    )


class SiteRow(Row):
    """A site: the enterprise (cooperative, distributor, shop) named in trace steps."""

    id: Code
    name: str = Field(min_length=1)
    gln: Gln | None = None
    address: str | None = None


class CertificateRow(Row):
    """A certificate of a product (gtin) or of a farm plot (site and location), e.g. OCOP."""

    id: Code
    kind: str = Field(min_length=1, description="e.g. OCOP 4 sao, VietGAP")
    number: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    issued_on: date | None = None
    valid_until: date | None = None
    gtin: Gtin | None = None
    site: Code | None = None
    location: Code | None = None
    image_url: str | None = Field(default=None, pattern=r"^https?://")

    @model_validator(mode="after")
    def _holder(self) -> "CertificateRow":
        if (self.gtin is None) == (self.location is None) or (self.location is None) != (
            self.site is None
        ):
            raise ValueError("give either gtin (a product's) or site and location (a farm plot's)")
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            raise ValueError("valid_until is before issued_on")
        return self


class PhotoRow(Row):
    """A photo of one step of a batch (its place and business step), e.g. the harvest."""

    gtin: Gtin
    lot: Lot
    site: Code
    location: Code
    biz_step: BizStep
    image_url: str = Field(pattern=r"^https?://")
    caption: str | None = None
    taken_at: AwareDatetime | None = None
