"""GS1 keys as EPC URIs (TDS) and back, Digital Links, and configured prefix lengths."""

import pytest

from cloud.epcis.identifiers import (
    IdentifierError,
    canonical_key,
    check_digit,
    lgtin_class,
    parse_identifier,
    sgln_uri,
    sgtin_uri,
    sscc_uri,
)
from cloud.epcis.naming import Naming
from cloud.settings.epcis import load_epcis_settings
from plumbing.settings import ConfigError


def test_tds_examples():
    assert sgtin_uri("80614141123458", "6789", 7) == "urn:epc:id:sgtin:0614141.812345.6789"
    assert sscc_uri("106141412345678908", 7) == "urn:epc:id:sscc:0614141.1234567890"
    assert sgln_uri("0614141123452", "5678", 7) == "urn:epc:id:sgln:0614141.12345.5678"
    assert sgln_uri("0614141123452", None, 7) == "urn:epc:id:sgln:0614141.12345.0"
    assert check_digit("061414112345") == "2"


def test_lot_characters_are_escaped_and_read_back():
    uri = lgtin_class("08934567000012", "A/B%1", 9)
    assert uri == "urn:epc:class:lgtin:893456700.0001.A%2FB%251"
    assert parse_identifier(uri).qualifier == "A/B%1"


@pytest.mark.parametrize(
    "uri, key",
    [
        ("urn:epc:id:sgtin:0614141.812345.6789", "sgtin:80614141123458:6789"),
        ("https://id.gs1.org/01/80614141123458/21/6789", "sgtin:80614141123458:6789"),
        ("urn:epc:class:lgtin:4012345.011111.1234", "lgtin:04012345111118:1234"),
        ("https://example.com/01/04012345111118/10/1234?x=1", "lgtin:04012345111118:1234"),
        ("urn:epc:idpat:sgtin:4012345.011111.*", "gtin:04012345111118"),
        ("urn:epc:id:sscc:0614141.1234567890", "sscc:106141412345678908"),
        ("https://id.gs1.org/00/106141412345678908", "sscc:106141412345678908"),
        ("urn:epc:id:sgln:0614141.12345.5678", "sgln:0614141123452:5678"),
        ("https://id.gs1.org/414/0614141123452/254/5678", "sgln:0614141123452:5678"),
        ("urn:epc:id:grai:0614141.12345.400", "urn:epc:id:grai:0614141.12345.400"),
    ],
)
def test_every_form_has_one_canonical_key(uri, key):
    assert canonical_key(uri) == key


def test_wrong_keys_are_refused():
    with pytest.raises(IdentifierError):
        sscc_uri("12345", 7)
    with pytest.raises(IdentifierError):
        lgtin_class("08934567000012", "L", 13)


def test_prefix_length_overrides_and_private_locations():
    naming = Naming(
        load_epcis_settings(
            epcis_company_prefix_lengths={"893456": 9},
            epcis_location_uri="https://farm.example/loc/{site}/{location}",
        )
    )
    assert naming.batch("08934567000012", "L1") == "urn:epc:class:lgtin:893456700.0001.L1"
    assert naming.batch("04012345111118", "L1") == "urn:epc:class:lgtin:4012345.011111.L1"
    uri = naming.location("hy farm", "cold/1", None, None)
    assert uri == "https://farm.example/loc/hy%20farm/cold%2F1"
    assert naming.private_place(uri) == ("hy farm", "cold/1")


def test_bad_settings_name_the_field():
    with pytest.raises(ConfigError, match="epcis_location_uri"):
        load_epcis_settings(epcis_location_uri="https://x.example/{site}")
