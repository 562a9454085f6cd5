"""JSON parsing for untrusted bytes: no Python recursion, nesting bounded, only finite numbers.

pydantic-core's parser (jiter, in Rust) reads the document: strict UTF-8, no NaN or Infinity,
integers up to 4,300 digits, and it stops at its recursion limit (200 levels) while parsing,
without Python recursion. The parsed document's nesting is then checked against the caller's
bound by a loop (no recursion either), so that code which walks the document recursively
(validators, json.dumps) never meets more than `max_depth` levels.
"""

from typing import Any

from pydantic_core import from_json


class JsonRejected(ValueError):
    """Bytes that are not JSON we accept; `too_deep` when nesting was the reason."""

    def __init__(self, detail: str, *, too_deep: bool = False):
        super().__init__(detail)
        self.detail = detail
        self.too_deep = too_deep


def check_depth(document: object, max_depth: int) -> None:
    """Raise JsonRejected(too_deep) if arrays and objects nest deeper than `max_depth`.

    The document itself is level 1 when it is an array or an object. Level by level, in a loop.
    """
    level: list[Any] = [document] if isinstance(document, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise JsonRejected(
                f"arrays and objects nest deeper than {max_depth} levels", too_deep=True
            )
        below: list[Any] = []
        keep = below.append
        for node in level:
            for child in node.values() if type(node) is dict else node:
                kind = type(child)
                if kind is dict or kind is list:
                    keep(child)
        level = below


def parse_json(data: bytes | str, *, max_depth: int) -> Any:
    """Parse `data`; JsonRejected says why not (malformed, non-finite number, too deep)."""
    try:
        document = from_json(data, allow_inf_nan=False)
    except ValueError as err:
        raise JsonRejected(str(err), too_deep="recursion limit" in str(err)) from err
    check_depth(document, max_depth)
    return document
