"""The official schema plus our semantic checks against the OpenEPCIS conformance documents."""

import pytest

from cloud.epcis.validate import problems
from tests.cloud.epcis.testdata import (
    DOCUMENTS,
    INVALID,
    SCHEMA_BREAKING,
    load,
    names,
    needs_testdata,
)

pytestmark = needs_testdata

# What each Invalid/ document is meant to show, and where our checks must find it.
INVALID_INTENT = {
    "Combination_of_events_with_missing_mandatory_fields.json": "is a required property",
    "Combination_of_multiple_invalid_fields.json": "not a CBV 2.0 bizStep",
    "Combination_of_non_standard_bizStep_and_disposition.json": "not a CBV 2.0 disposition",
    "EPCISDocument_without_context.json": "'@context' is a required property",
    "ObjectEvent_with_ilmd_field_without_namespace.json": "ILMD field 'materialType'",
    "ObjectEvent_with_invalid_action.json": "'CREATE' is not one of",
    "ObjectEvent_with_invalid_certificationInfo.json": "certificationInfo",
    "ObjectEvent_with_invalid_eventTime_format.json": "'22-07-2026' is not a 'date-time'",
    "ObjectEvent_with_non_standard_bizStep.json": "'transforming' is not a CBV 2.0 bizStep",
    "ObjectEvent_with_non_standard_bizStep_in_second_event.json": "eventList/1/bizStep",
    "ObjectEvent_with_non_standard_disposition.json": "'in_transport' is not a CBV 2.0",
    "ObjectEvent_with_quantity_as_text.json": "'twenty' is not of type 'number'",
    "ObjectEvent_with_unknown_field_in_quantityList.json": "'weight' was unexpected",
    "ObjectEvent_without_action_and_eventTime.json": "'eventTime' is a required property",
    "ObjectEvent_without_identifier_list.json": "'epcList' is a required property",
}


@pytest.mark.parametrize("name", [n for n in names(DOCUMENTS) if n != SCHEMA_BREAKING])
def test_valid_documents_have_no_problems(name):
    assert problems(load(DOCUMENTS, name)) == []


def test_the_schema_breaking_document_is_rejected_for_its_sensor_reports():
    found = problems(load(DOCUMENTS, SCHEMA_BREAKING))
    assert any(
        p.path.startswith("/epcisBody/eventList/8/sensorElementList/0/sensorReport")
        and "'type' is a required property" in p.reason
        for p in found
    )


def test_every_invalid_document_has_a_known_intent():
    assert sorted(INVALID_INTENT) == names(INVALID)


@pytest.mark.parametrize("name", names(INVALID))
def test_invalid_documents_are_rejected_for_their_intended_reason(name):
    found = problems(load(INVALID, name))
    assert found, f"{name} passed validation"
    text = " | ".join(f"{p.path}: {p.reason}" for p in found)
    assert INVALID_INTENT[name] in text
