"""PDF sheets and ZPL jobs, read back: pages, positions, and every symbol decoded again."""

import io
import re
from datetime import date

import numpy as np
import pytest
from pypdf import PdfReader

from cloud.db.serials import LabelFacts
from cloud.labels.errors import LabelDoesNotFit
from cloud.labels.label import logistic_label, unit_label
from cloud.labels.layouts import SHEETS, THERMAL
from cloud.labels.sheet import sheet_pdf
from cloud.labels.symbols import Symbology
from cloud.labels.zpl import labels_zpl
from tests.cloud.labels.reader_path import photographed, scanned

TODAY = date(2026, 12, 5)
FACTS = LabelFacts(
    batch_id=1, gtin="08936012345018", lot="LN2026-08-01", site_id="hy-longan",
    product_name="Long nhãn sấy khô Hưng Yên", net_content="500 g",
    producer_name="HTX Hồng Nam", production_date=None, pack_date=None,
    expiry_date=date(2027, 8, 1),
)
MM = 72 / 25.4


def labels(count, symbology=Symbology.QR, first=1):
    return [
        unit_label(FACTS, serial=str(n), symbology=symbology,
                   base_url="https://t.example.vn", today=TODAY)
        for n in range(first, first + count)
    ]


def pdf_images(document: bytes):
    """Per page: (x, y from the top, width, height in mm, image) of every image drawn."""
    pages = []
    for page in PdfReader(io.BytesIO(document)).pages:
        xobjects = page["/Resources"]["/XObject"]
        height_pt = float(page.mediabox.height)
        drawn, matrix = [], None
        for operands, operator in page.get_contents().operations:
            if operator == b"cm":
                matrix = [float(v) for v in operands]
            elif operator == b"Do":
                w, _, _, h, x, y = matrix
                image = xobjects[operands[0]].decode_as_image()
                drawn.append((x / MM, (height_pt - y - h) / MM, w / MM, h / MM, image))
        pages.append(drawn)
    return pages


def test_a_sheet_has_one_page_per_sheet_and_each_symbol_in_its_sticker():
    layout = SHEETS["a4-21"]
    pages = pdf_images(sheet_pdf(labels(45), layout))
    assert [len(p) for p in pages] == [21, 21, 3]
    serials = []
    for page in pages:
        for index, (x, y, w, h, image) in enumerate(page):
            left, top = layout.cell(index)
            assert left <= x and x + w <= left + layout.width_mm
            assert top <= y and y + h <= top + layout.height_mm
            assert 0.25 <= w / image.width <= 1.0  # module size in mm
            pixels = np.asarray(image.convert("L"))
            big = np.kron(pixels, np.ones((4, 4), dtype=np.uint8))  # printed at 4 dots/module
            (scan,) = scanned(photographed(big))
            serials.append(scan.gs1.serial)
    assert serials == [str(n) for n in range(1, 46)]


def test_a_logistic_label_sheet_puts_the_sscc_barcode_last_and_lowest():
    label = logistic_label("089360123450000018", facts=FACTS, count=120)
    ((content, unit),) = pdf_images(sheet_pdf([label], SHEETS["a4-4"]))
    assert content[1] < unit[1]  # SSCC below the content barcode
    for *_, image in (content, unit):
        row = np.asarray(image.convert("L"))
        bars = np.repeat(np.kron(row, np.ones((1, 3), dtype=np.uint8)), 60, axis=0)
        assert scanned(photographed(bars))[0].gs1 is not None


ZPL_FORMAT = re.compile(r"\^XA(.*?)\^XZ", re.S)
ZPL_GRAPHIC = re.compile(r"\^FO(\d+),(\d+)\^GFA,(\d+),(\d+),(\d+),([0-9A-F]+)\^FS")
ZPL_TEXT = re.compile(r"\^FO(\d+),(\d+)\^A0N,(\d+),\d+\^FB(\d+),1,0,L\^FH_\^FD(.*?)\^FS")


def parse_zpl(document: str):
    """Per label: its width and length in dots, graphics (x, y, dots) and texts (x, y, text)."""
    parsed = []
    for body in ZPL_FORMAT.findall(document):
        width = int(re.search(r"\^PW(\d+)", body)[1])
        length = int(re.search(r"\^LL(\d+)", body)[1])
        graphics = []
        for x, y, total, again, per_row, data in ZPL_GRAPHIC.findall(body):
            assert int(total) == int(again) == len(data) // 2
            bits = np.unpackbits(np.frombuffer(bytes.fromhex(data), np.uint8))
            graphics.append((int(x), int(y), bits.reshape(-1, int(per_row) * 8).astype(bool)))
        texts = [
            (int(x), int(y), re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), text))
            for x, y, _, _, text in ZPL_TEXT.findall(body)
        ]
        commands = re.findall(r"\^[A-Z][A-Z0-9@]", body)
        parsed.append((width, length, graphics, texts, commands))
    return parsed


@pytest.mark.parametrize(
    ("symbology", "size"),
    [(Symbology.QR, "50x30"), (Symbology.DATAMATRIX, "50x30-300dpi"),
     (Symbology.GS1_128, "100x50")],
)
def test_zpl_labels_parse_back_into_symbols_that_decode(symbology, size):
    layout = THERMAL[size]
    document = labels_zpl(labels(3, symbology, first=41), layout)
    parsed = parse_zpl(document)
    assert len(parsed) == 3
    for serial, (width, length, graphics, texts, commands) in zip(
        ("41", "42", "43"), parsed, strict=True
    ):
        assert (width, length) == (layout.width_dots, layout.height_dots)
        assert set(commands) <= {"^CI", "^PW", "^LL", "^LH", "^FO", "^GF", "^FS", "^A0", "^FB",
                                 "^FH", "^FD", "^PQ"}
        ((x, y, dots),) = graphics
        assert x + dots.shape[1] <= width + 8 and y + dots.shape[0] <= length
        (scan,) = scanned(photographed(np.where(dots, 0, 255).astype(np.uint8)))
        assert (scan.gs1.gtin, scan.gs1.lot, scan.gs1.serial) == (FACTS.gtin, FACTS.lot, serial)
        assert f"So/SN: {serial}" in [t for *_, t in texts]  # printer fonts: no Vietnamese marks


def test_zpl_escapes_command_characters_in_text_and_refuses_too_small_a_label():
    facts = FACTS.__class__(**{**FACTS.__dict__, "product_name": "A^B~C_D"})
    label = unit_label(facts, serial="1", symbology=Symbology.QR,
                       base_url="https://t.example.vn", today=TODAY)
    document = labels_zpl([label], THERMAL["50x30"])
    assert "A_5EB_7EC_5FD" in document
    (_, _, _, texts, _), = parse_zpl(document)
    assert "A^B~C_D" in [t for *_, t in texts]
    wide = unit_label(FACTS, serial="1", symbology=Symbology.GS1_128,
                      base_url="https://t.example.vn", today=TODAY)
    with pytest.raises(LabelDoesNotFit, match="layout"):
        labels_zpl([wide], THERMAL["50x30"])
