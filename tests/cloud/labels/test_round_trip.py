"""Every symbol txng prints reads back through the edge camera's path into the same keys."""

from datetime import date

import pytest

from cloud.db.serials import LabelFacts
from cloud.labels.label import logistic_label, unit_label
from cloud.labels.render import raster
from cloud.labels.symbols import Symbology
from tests.cloud.labels.reader_path import photographed, scanned

TODAY = date(2026, 12, 5)
FACTS = LabelFacts(
    batch_id=1, gtin="08936012345018", lot="LN26(8)&A%1", site_id="hy-longan",
    product_name="Long nhãn sấy khô", net_content="500 g", producer_name="HTX Hồng Nam",
    production_date=None, pack_date=None, expiry_date=date(2027, 8, 1),
)
BASE = "https://truyxuat.example.vn"

# (dots per module as printed, camera scale, angle in degrees, blur kernel, quarter turns)
CONDITIONS = {
    "203dpi-straight": (2, 1.0, 0.0, 0, 0),
    "300dpi-turned-90": (4, 1.0, 0.0, 0, 1),
    "300dpi-upside-down-blurred": (4, 1.0, 0.0, 3, 2),
    "300dpi-tilted-7-degrees": (4, 1.0, 7.0, 0, 0),
    "203dpi-camera-0.8x-tilted-blurred": (3, 0.8, -4.0, 3, 3),
}


@pytest.mark.parametrize("symbology", list(Symbology))
@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_pack_label_reads_back_as_its_gtin_lot_serial_and_expiry(symbology, condition):
    dots, scale, angle, blur, turns = CONDITIONS[condition]
    label = unit_label(FACTS, serial="123456", symbology=symbology, base_url=BASE, today=TODAY)
    image = photographed(
        raster(label.symbols[0], dots, quarter_turns=turns), scale=scale, angle=angle, blur=blur
    )
    scans = scanned(image)
    assert len(scans) == 1, f"{symbology} under {condition}: {len(scans)} codes read"
    gs1 = scans[0].gs1
    assert gs1 is not None, f"not read as GS1: {scans[0].raw!r}"
    assert (gs1.gtin, gs1.lot, gs1.serial, gs1.expiry_date) == (
        FACTS.gtin, FACTS.lot, "123456", FACTS.expiry_date
    )
    expected_symbology = {"qr": "]Q1", "datamatrix": "]d2", "gs1_128": "]C1"}[symbology]
    assert scans[0].symbology == expected_symbology
    if symbology is Symbology.QR:
        assert scans[0].raw == (
            f"{BASE}/01/{FACTS.gtin}/10/LN26%288%29%26A%251/21/123456?17=270801"
        )


def test_a_lot_label_without_serial_reads_back_without_one():
    label = unit_label(FACTS, serial=None, symbology=Symbology.DATAMATRIX, base_url=BASE,
                       today=TODAY)
    (scan,) = scanned(photographed(raster(label.symbols[0], 3)))
    assert scan.gs1 is not None
    assert (scan.gs1.gtin, scan.gs1.lot, scan.gs1.serial) == (FACTS.gtin, FACTS.lot, None)


def test_a_logistic_label_reads_as_its_sscc_and_its_content():
    label = logistic_label("089360123450000018", facts=FACTS, count=120)
    content, unit = (scanned(photographed(raster(s, 3)))[0] for s in label.symbols)
    assert unit.gs1 is not None and unit.gs1.sscc == "089360123450000018"
    assert content.gs1 is not None
    assert content.gs1.lot == FACTS.lot
    assert content.gs1.other == {"02": FACTS.gtin, "37": "120"}
