"""Bounded JSON parsing: nesting, numbers and encodings refused with a reason, never a crash."""

import pytest

from plumbing.bounded_json import JsonRejected, check_depth, parse_json


def test_nesting_up_to_the_bound_parses_and_one_more_level_is_refused() -> None:
    assert parse_json(b"[" * 8 + b"]" * 8, max_depth=8) == [[[[[[[[]]]]]]]]
    assert parse_json(b'{"a":' * 8 + b"1" + b"}" * 8, max_depth=8)
    with pytest.raises(JsonRejected) as caught:
        parse_json(b'[{"a":' * 4 + b"[]" + b"}]" * 4, max_depth=8)
    assert caught.value.too_deep
    assert str(caught.value) == "arrays and objects nest deeper than 8 levels"


def test_a_nesting_bomb_stops_in_the_parser_without_python_recursion() -> None:
    for bomb in (b"[" * 1_000_000, b'{"a":' * 100_000):
        with pytest.raises(JsonRejected) as caught:
            parse_json(bomb, max_depth=1000)
        assert caught.value.too_deep


@pytest.mark.parametrize(
    "text",
    [b"NaN", b"[Infinity]", b"-Infinity", b'"\xff"', b'"\\ud800"', b"9" * 5000, b"{", b""],
)
def test_what_is_not_json_we_accept_is_refused(text: bytes) -> None:
    with pytest.raises(JsonRejected) as caught:
        parse_json(text, max_depth=16)
    assert not caught.value.too_deep


def test_scalars_and_wide_documents_have_depth_zero_or_one() -> None:
    check_depth("x", 0)
    check_depth([1] * 100_000, 1)
    assert parse_json('{"a": 1, "a": 2}', max_depth=1) == {"a": 2}  # the last duplicate wins
