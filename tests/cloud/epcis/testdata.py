"""Where the shared EPCIS test data is: ../shared/testdata/epcis from the repository root."""

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
EPCIS_DATA = (REPO / ".." / "shared" / "testdata" / "epcis").resolve()
DOCUMENTS = EPCIS_DATA / "openepcis" / "Documents"
INVALID = EPCIS_DATA / "openepcis" / "Invalid"

# The one OpenEPCIS example that breaks the official GS1 schema: event 9 (index 8) has
# sensorReport entries without `type`, which the schema requires of every sensorReport (and
# event 8 uses `Molar_concentration`, which is not a CBV measurement type). It must be rejected.
SCHEMA_BREAKING = "SensorData_with_combined_events.json"

needs_testdata = pytest.mark.skipif(
    not DOCUMENTS.is_dir(), reason=f"shared EPCIS test data not found at {EPCIS_DATA}"
)


def names(folder: Path) -> list[str]:
    """The JSON files of a test data folder (empty when it is absent, so tests skip)."""
    return sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []


def load(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text(encoding="utf-8"))
