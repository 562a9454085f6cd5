import pytest

from contract import Channel, ContractError, ContractErrorReason, Topic, subscription_filter


def test_topic_round_trip():
    topic = Topic("hy-longan", "pi-01", Channel.READINGS)
    assert str(topic) == "txng/v1/hy-longan/pi-01/readings"
    assert Topic.parse(str(topic)) == topic


@pytest.mark.parametrize(
    "text",
    [
        "txng/v2/site/dev/readings",
        "txng/v1/site/dev",
        "txng/v1/site/dev/readings/extra",
        "txng/v1/site/dev/alarms",
        "txng/v1/si+te/dev/readings",
        "txng/v1//dev/readings",
    ],
)
def test_bad_topics_are_refused(text):
    with pytest.raises(ContractError) as caught:
        Topic.parse(text)
    assert caught.value.reason is ContractErrorReason.BAD_TOPIC


def test_identifiers_cannot_hold_wildcards():
    with pytest.raises(ContractError) as caught:
        Topic("site#", "dev", Channel.EVENTS)
    assert caught.value.field == "site"


def test_subscription_filters():
    assert subscription_filter(Channel.EVENTS) == "txng/v1/+/+/events"
    assert subscription_filter() == "txng/v1/+/+/+"
    assert subscription_filter(Channel.STATUS, share_group="ingest") == (
        "$share/ingest/txng/v1/+/+/status"
    )
