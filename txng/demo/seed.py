"""What the demo sets up before any device speaks: master data, approved devices, the portal."""

import logging
from collections.abc import Sequence
from pathlib import Path

from cloud.db.counts import DeviceKey
from cloud.db.devices_store import approve_device
from cloud.db.errors import DatabaseError
from cloud.db.forward_store import register_destination
from cloud.db.pool import Database
from cloud.masterdata.csv_import import CsvImportError
from cloud.masterdata.service import import_file
from txng.embedded import EmbeddedServiceError

log = logging.getLogger(__name__)

MASTER_DATA = (
    "profiles",
    "groups",
    "products",
    "sites",
    "locations",
    "batches",
    "items",
    "sensors",
    "certificates",
    "photos",
)


def examples_dir() -> Path:
    """The example master data of the source tree."""
    folder = Path(__file__).resolve().parents[2] / "examples" / "master_data"
    if not all((folder / f"{kind}.csv").is_file() for kind in MASTER_DATA):
        raise EmbeddedServiceError(
            f"the example master data is not in {folder}: run the demo from the txng source tree"
        )
    return folder


def seed(database_url: str, devices: Sequence[DeviceKey], *, destination: str) -> None:
    """Import the examples, approve the devices as an operator would, forward to `destination`."""
    folder = examples_dir()
    database = Database(database_url, max_connections=1, application_name="txng-demo")
    try:
        for kind in MASTER_DATA:
            try:
                import_file(database, kind, folder / f"{kind}.csv")
            except CsvImportError as err:
                raise EmbeddedServiceError(f"example master data {kind}.csv: {err}") from err
        with database.transaction() as conn, conn.cursor() as cur:
            for site, device in devices:  # `txng devices add` does this for a real device
                approve_device(cur, site=site, device=device)
            register_destination(cur, name=destination, adapter="portal")
    except DatabaseError as err:
        raise EmbeddedServiceError(f"cannot set up the demo's data: {err}") from err
    finally:
        database.close()
