"""GS1 rules checked before anything is drawn; each error names the field to fix."""

from datetime import date

import pytest

from cloud.labels.digital_link import digital_link
from cloud.labels.element_string import (
    pallet_content_elements,
    sscc_elements,
    unit_elements,
)
from cloud.labels.errors import LabelError
from cloud.labels.symbols import Symbology, encode_gs1

TODAY = date(2026, 12, 5)
GTIN = "08936012345018"


def unit(**changes):
    values = {"gtin": GTIN, "lot": "LN-1", "today": TODAY, "serial": "7", "expiry": None}
    values.update(changes)
    return unit_elements(**values)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"gtin": "08936012345019"}, "gtin", "check digit"),
        ({"gtin": "8936012345018"}, "gtin", "14 digits"),
        ({"lot": "LN#1"}, "lot", "'#'"),
        ({"lot": "Lô-1"}, "lot", "'ô'"),
        ({"lot": "L" * 21}, "lot", "21 characters"),
        ({"serial": ""}, "serial", "empty"),
        ({"serial": "S~1"}, "serial", "'~'"),
        ({"expiry": date(2099, 1, 1)}, "expiry_date", "1977-2076"),
    ],
)
def test_bad_data_is_refused_naming_its_field(changes, field, words):
    with pytest.raises(LabelError) as caught:
        unit(**changes)
    assert caught.value.field == field
    assert words in caught.value.message


def test_elements_are_in_gs1_order_with_fnc1_only_between_variable_fields():
    elements = unit(expiry=date(2027, 8, 1))
    assert elements.human() == f"(01){GTIN}(17)270801(10)LN-1(21)7"
    assert elements.bracketed() == f"[01]{GTIN}[17]270801[10]LN-1[21]7"
    assert elements.data_length() == 16 + 8 + 6 + 1 + 3  # one FNC1, after the lot


def test_a_bad_sscc_and_a_bad_count_are_refused():
    with pytest.raises(LabelError, match="sscc: check digit"):
        sscc_elements("089360123450000011")
    with pytest.raises(LabelError, match="count"):
        pallet_content_elements(gtin=GTIN, count=0, lot="L1")


def test_gs1_128_refuses_more_than_48_characters_naming_the_last_field():
    elements = unit(lot="L" * 20, serial="9" * 18, expiry=date(2027, 8, 1))
    with pytest.raises(LabelError) as caught:
        encode_gs1(Symbology.GS1_128, elements)
    assert caught.value.field == "serial" and "48" in caught.value.message
    assert encode_gs1(Symbology.DATAMATRIX, elements).modules.any()  # fits a DataMatrix


def test_digital_link_escapes_values_and_puts_expiry_in_the_query():
    link = digital_link("https://t.example.vn/", unit(lot="A&B(2)", expiry=date(2027, 8, 1)))
    assert link == f"https://t.example.vn/01/{GTIN}/10/A%26B%282%29/21/7?17=270801"
    with pytest.raises(LabelError, match=r"lot: .*'/'"):
        digital_link("https://t.example.vn", unit(lot="A/B"))
    with pytest.raises(LabelError, match="public_base_url"):
        digital_link("ftp://t.example.vn", unit())
