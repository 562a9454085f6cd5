"""Errors of EPCIS documents: what is wrong, and where."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: a JSON pointer-ish path and a reason."""

    path: str
    reason: str


class EpcisInvalid(ValueError):
    """A document that is not valid EPCIS 2.0 (the schema or the semantic checks say why)."""

    def __init__(self, problems: list[Problem]):
        first = problems[0] if problems else Problem("", "invalid")
        super().__init__(f"{first.path or '(document)'}: {first.reason}")
        self.problems = problems


class EpcisForbidden(PermissionError):
    """A capture that would write into another site's data (each problem says where)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{problems[0].path}: {problems[0].reason}")
        self.problems = problems
