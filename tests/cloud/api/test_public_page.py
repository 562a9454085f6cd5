"""The consumer page made from the rows as read is the page of the JSON answer's models."""

import random
import re

import pytest
from starlette.requests import Request

from cloud.api.i18n import LANGUAGES, translator
from cloud.api.public_page import page_batch
from cloud.api.routers.public import consumer_view, page_of
from cloud.api.ui_support import render_html, templates
from tests.cloud.trace.random_facts import random_page


def _request(lang: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/01/x/10/y", "headers": [],
         "query_string": f"lang={lang}".encode()}
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("seed", range(150))
def test_the_page_from_the_rows_is_the_page_of_the_models(seed, lang):
    found = random_page(random.Random(seed))
    request = _request(lang)
    expected = render_html(request, "consumer.html", batch=consumer_view(found)).encode()
    assert page_of(request)(found) == expected


def test_the_random_pages_differ_in_what_they_show():
    """Not vacuous: journeys, verdicts, stars, the allowed range and missing facts all occur."""
    pages = [page_of(_request("en"))(random_page(random.Random(seed))) for seed in range(150)]
    for shown in (b'data-kind="harvest"', b"verdict excursion", b"\xe2\x98\x85", b"\xc2\xb0C",
                  b"<dd>\xe2\x80\x94</dd>", b"journey-step", b'class="photo"'):
        assert any(shown in page for page in pages), shown
        assert not all(shown in page for page in pages), shown
    assert all(b"Long nh\xc3\xa3n s\xe1\xba\xa5y &lt;b&gt;" in page for page in pages)  # escaped


def test_the_pages_message_lookups_give_what_calls_of_t_give():
    """consumer.html looks messages up as `t[key]`: the same page as with `t(key)` calls."""
    source = templates.loader.get_source(templates, "consumer.html")[0]
    as_calls = re.sub(r"\bt\[([^\]]+)\]", r"t(\1)", source)
    assert as_calls != source and "t[" not in as_calls
    called = templates.from_string(as_calls)
    for seed in range(60):
        found = random_page(random.Random(seed))
        for lang in LANGUAGES:
            context = {"request": _request(lang), "lang": lang, "t": translator(lang)}
            context |= {"languages": LANGUAGES, "batch": page_batch(*found)}
            page = templates.get_template("consumer.html").render(context)
            assert called.render(context) == page
