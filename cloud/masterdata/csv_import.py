"""Read a master-data CSV into typed rows; every error names the file, line and field."""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import ValidationError

from cloud.masterdata.rows import Row

R = TypeVar("R", bound=Row)

MAX_REPORTED = 50


@dataclass(frozen=True)
class RowProblem:
    """One bad cell or row: where it is and what is wrong."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        """`file:line: field: message`, as compilers report."""
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class CsvImportError(ValueError):
    """A file that cannot be imported; `problems` lists every bad row found (up to a limit)."""

    def __init__(self, problems: Sequence[RowProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class ParsedFile(Generic[R]):
    """Valid rows with their line numbers, and the columns the file has."""

    path: str
    columns: tuple[str, ...]
    rows: list[tuple[int, R]]

    def problem(self, line: int, field: str, message: str) -> RowProblem:
        """A problem in this file."""
        return RowProblem(self.path, line, field, message)


def read_rows(path: Path, model: type[R]) -> ParsedFile[R]:
    """Parse and validate every row; raise CsvImportError listing the bad ones."""
    name = str(path)
    problems: list[RowProblem] = []
    rows: list[tuple[int, R]] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as err:
        raise CsvImportError([RowProblem(name, 0, "(file)", err.strerror or str(err))]) from err
    with handle:
        reader = csv.DictReader(handle)
        header = tuple(h.strip() for h in reader.fieldnames or ())
        known = set(model.model_fields)
        for column in header:
            if column not in known:
                problems.append(RowProblem(name, 1, column, "unknown column"))
        for column in sorted(f for f, i in model.model_fields.items() if i.is_required()):
            if column not in header:
                problems.append(RowProblem(name, 1, column, "required column is missing"))
        if problems:
            raise CsvImportError(problems)
        for record in reader:
            line = reader.line_num
            if None in record:
                problems.append(RowProblem(name, line, "(row)", "more cells than columns"))
                continue
            cells = {k.strip(): v for k, v in record.items() if v is not None and v.strip() != ""}
            try:
                rows.append((line, model.model_validate(cells)))
            except ValidationError as err:
                for error in err.errors(include_url=False):
                    field = ".".join(str(p) for p in error["loc"]) or "(row)"
                    problems.append(RowProblem(name, line, field, error["msg"]))
            if len(problems) >= MAX_REPORTED:
                break
    if problems:
        raise CsvImportError(problems)
    return ParsedFile(name, header, rows)
