"""Messages: the page's language, else English, else the key; called or looked up alike."""

import pytest

from cloud.api import i18n
from cloud.api.i18n import translator, translators


def test_a_message_in_each_language_called_or_looked_up():
    vi, en = translator("vi"), translator("en")
    assert (vi("producer"), vi["producer"]) == ("Nhà sản xuất", "Nhà sản xuất")
    assert (en("producer"), en["producer"]) == ("Producer", "Producer")
    assert translator("fr")("producer") == "Nhà sản xuất"  # an unknown language: Vietnamese


@pytest.mark.parametrize("missing", ["absent", ""])
def test_a_message_missing_or_empty_in_vietnamese_is_englishs_else_the_key(missing):
    vi = dict(i18n.CATALOGUES["vi"])
    if missing:
        vi["producer"] = ""
    else:
        del vi["producer"]
    t = translators({"vi": vi})["vi"]
    assert t("producer") == t["producer"] == "Producer"
    assert t("no.such.key") == t["no.such.key"] == "no.such.key"
    assert t("lot") == t["lot"] == "Số lô"
