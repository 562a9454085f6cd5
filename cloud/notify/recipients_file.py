"""The recipients file: per site, the escalation policy and who is told of which alerts.

YAML, validated whole before anything is written (a bad field names its site and recipient)::

    sites:
      hy-longan:
        escalate_after_min: 15      # null: never escalate
        remind_every_min: 30        # null: no reminders
        max_reminders: 3
        group_window_s: 60
        recipients:
          - {name: Lan, channel: zalo, address: "8421…", language: vi, level: 0,
             quiet_hours: "22:00-06:00"}
          - {name: Minh, channel: email, address: minh@example.vn, language: en, level: 1,
             kinds: [excursion_high, excursion_low]}
"""

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cloud.db.recipients_store import PolicyRow, RecipientRow
from contract.topics import check_identifier

_ADDRESS = {
    "email": re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$"),
    "telegram": re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$"),  # chat id, @channel
    "zalo": re.compile(r"^\d{5,32}$"),  # the follower's user id (per OA)
}
_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
MAX_FILE_BYTES = 1_000_000


class RecipientsFileError(Exception):
    """A recipients file that cannot be used: the problems, one a line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonEntry(_Strict):
    """One recipient on one channel."""

    name: str = Field(min_length=1, max_length=120)
    channel: Literal["email", "telegram", "zalo"]
    address: str = Field(min_length=1, max_length=254)
    language: Literal["vi", "en"] = "vi"
    level: int = Field(default=0, ge=0, le=9)
    kinds: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]] | None = None
    quiet_hours: str | None = Field(default=None, description="HH:MM-HH:MM, local time")
    time_zone: str = "Asia/Ho_Chi_Minh"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_shape(cls, value: str | None) -> str | None:
        if value is not None and not _QUIET.match(value):
            raise ValueError("quiet_hours must read HH:MM-HH:MM (e.g. 22:00-06:00)")
        return value

    @model_validator(mode="after")
    def _address_fits_channel(self) -> "PersonEntry":
        if not _ADDRESS[self.channel].match(self.address):
            raise ValueError(f"address is not a {self.channel} address")
        return self

    def row(self) -> RecipientRow:
        """As the store takes it."""
        start = end = None
        if self.quiet_hours:
            found = _QUIET.match(self.quiet_hours)
            assert found is not None
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            start, end = time(h1, m1), time(h2, m2)
        return RecipientRow(
            name=self.name,
            channel=self.channel,
            address=self.address,
            language=self.language,
            level=self.level,
            kinds=self.kinds,
            quiet_start=start,
            quiet_end=end,
            time_zone=self.time_zone,
        )


class SiteEntry(_Strict):
    """A site's policy and recipients."""

    escalate_after_min: float | None = Field(default=15, gt=0, le=7 * 24 * 60)
    remind_every_min: float | None = Field(default=30, gt=0, le=7 * 24 * 60)
    max_reminders: int = Field(default=3, ge=0, le=100)
    group_window_s: int = Field(default=60, ge=0, le=3600)
    recipients: list[PersonEntry] = Field(default_factory=list, max_length=500)

    def policy(self) -> PolicyRow:
        """As the store takes it."""
        return PolicyRow(
            escalate_after_s=_seconds(self.escalate_after_min),
            remind_every_s=_seconds(self.remind_every_min),
            max_reminders=self.max_reminders,
            group_window_s=self.group_window_s,
        )


class RecipientsFile(_Strict):
    """The whole file."""

    sites: dict[str, SiteEntry] = Field(min_length=1)

    @field_validator("sites")
    @classmethod
    def _site_ids(cls, value: dict[str, SiteEntry]) -> dict[str, SiteEntry]:
        for site in value:
            check_identifier(site, "site")  # a ContractError is a ValueError: pydantic reports it
        return value


def _seconds(minutes: float | None) -> int | None:
    return None if minutes is None else round(minutes * 60)


def read_recipients_file(path: Path) -> RecipientsFile:
    """Parse and validate the file; RecipientsFileError lists every problem."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise RecipientsFileError(f"{path}: {err.strerror}") from err
    if len(raw) > MAX_FILE_BYTES:
        raise RecipientsFileError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        raise RecipientsFileError(f"{path}: not YAML: {err}") from err
    try:
        return RecipientsFile.model_validate(document)
    except ValidationError as err:
        lines = []
        for problem in err.errors(include_url=False):
            where = ".".join(str(p) for p in problem["loc"])
            lines.append(f"{path}: {where}: {problem['msg']}")
        raise RecipientsFileError("\n".join(lines)) from err
