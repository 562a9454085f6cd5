"""Declarative Modbus register maps: how registers become values, and which requests to send."""

import struct
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract import Quantity
from contract.items import QUANTITIES, Name

MAX_REGISTERS_PER_READ = 125  # Modbus limit for function codes 3 and 4


class DataType(StrEnum):
    """How the registers of one value are to be read."""

    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    FLOAT64 = "float64"


_FORMATS: dict[DataType, tuple[str, int]] = {
    DataType.INT16: (">h", 1),
    DataType.UINT16: (">H", 1),
    DataType.INT32: (">i", 2),
    DataType.UINT32: (">I", 2),
    DataType.FLOAT32: (">f", 2),
    DataType.FLOAT64: (">d", 4),
}


class Register(BaseModel):
    """One value of a device: where it lives, how to decode it and what range is valid."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    quantity: Quantity
    table: Literal["holding", "input"] = "holding"
    address: int = Field(ge=0, le=0xFFFF, description="Zero-based protocol address")
    type: DataType = DataType.INT16
    count: int | None = Field(default=None, description="Registers; implied by `type`")
    byte_order: Literal["big", "little"] = "big"
    word_order: Literal["big", "little"] = "big"
    scale: float = 1.0
    offset: float = 0.0
    unit: str | None = Field(default=None, description="UN/CEFACT code; implied by quantity")
    valid_min: float | None = None
    valid_max: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "Register":
        width = _FORMATS[self.type][1]
        if self.count is not None and self.count != width:
            raise ValueError(f"{self.type.value} takes {width} register(s), not {self.count}")
        expected = QUANTITIES[self.quantity].unit
        if self.unit is not None and self.unit != expected:
            raise ValueError(f"unit of {self.quantity.value} is {expected!r}, not {self.unit!r}")
        if self.address + width > 0x10000:
            raise ValueError("register range runs past address 65535")
        if None not in (self.valid_min, self.valid_max) and self.valid_min > self.valid_max:  # type: ignore[operator]
            raise ValueError("valid_min is above valid_max")
        return self

    @property
    def width(self) -> int:
        """How many 16-bit registers the value spans."""
        return _FORMATS[self.type][1]

    def decode(self, registers: list[int]) -> float:
        """The engineering value of the value's registers: raw x scale + offset."""
        if len(registers) != self.width:
            raise ValueError(f"{self.name}: expected {self.width} registers, got {len(registers)}")
        words = list(registers) if self.word_order == "big" else list(reversed(registers))
        raw = b"".join(
            (w & 0xFFFF).to_bytes(2, "big" if self.byte_order == "big" else "little")
            for w in words
        )
        (value,) = struct.unpack(_FORMATS[self.type][0], raw)
        return float(value) * self.scale + self.offset

    def in_range(self, value: float) -> bool:
        """Whether the value lies within the device's valid range."""
        if self.valid_min is not None and value < self.valid_min:
            return False
        return not (self.valid_max is not None and value > self.valid_max)


class RegisterMap(BaseModel):
    """A device's register map as shipped in a data file, with where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str
    source: str = Field(min_length=1, description="Datasheet or manual the map is taken from")
    defaults: dict[str, str | int | float] = Field(default_factory=dict)
    registers: list[Register] = Field(min_length=1)


def load_register_map(path: Path) -> RegisterMap:
    """A register map file (YAML); OSError or ValidationError when it is unreadable or bad."""
    return RegisterMap.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ReadRequest:
    """One read of adjacent registers of one table, and the values it carries."""

    table: Literal["holding", "input"]
    address: int
    count: int
    registers: tuple[Register, ...]

    def values(self, words: list[int]) -> list[tuple[Register, float]]:
        """Each value decoded from the words this request returned."""
        if len(words) < self.count:
            raise ValueError(f"short answer: {len(words)} of {self.count} registers")
        out = []
        for register in self.registers:
            start = register.address - self.address
            out.append((register, register.decode(words[start : start + register.width])))
        return out


def plan_requests(registers: list[Register], max_gap: int = 0) -> list[ReadRequest]:
    """Group registers into as few reads as possible: adjacent (or up to `max_gap` apart)."""
    ordered = sorted(registers, key=lambda r: (r.table, r.address))
    requests: list[ReadRequest] = []
    group: list[Register] = []
    for register in ordered:
        if group:
            first, end = group[0], max(r.address + r.width for r in group)
            fits = (
                register.table == first.table
                and register.address <= end + max_gap
                and register.address + register.width - first.address <= MAX_REGISTERS_PER_READ
            )
            if not fits:
                requests.append(_request(group))
                group = []
        group.append(register)
    if group:
        requests.append(_request(group))
    return requests


def _request(group: list[Register]) -> ReadRequest:
    start = group[0].address
    end = max(r.address + r.width for r in group)
    return ReadRequest(group[0].table, start, end - start, tuple(group))
