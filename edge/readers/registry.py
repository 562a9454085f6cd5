"""Every reader kind, gathered from the `ReaderKind` each reader module declares.

Adding a reader is one file: a module in this package with its configuration, its class and
`KIND = ReaderKind(TheConfig, TheReader)`. The registry by configuration `type` and the
discriminated union of configurations (an unknown `type` fails at start-up) are built here.
"""

import importlib
import pkgutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, ReaderKind


def _declared() -> list[ReaderKind[Any]]:
    """The ReaderKinds declared at the top of the modules of this package, by name."""
    found: dict[str, ReaderKind[Any]] = {}
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.ispkg or module.name == "registry":
            continue
        loaded = importlib.import_module(f"edge.readers.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, ReaderKind) and found.setdefault(value.name, value) is not value:
                raise RuntimeError(f"two reader kinds are named {value.name!r}")
    return [found[name] for name in sorted(found)]


KINDS: tuple[ReaderKind[Any], ...] = tuple(_declared())
READERS: dict[str, ReaderKind[Any]] = {kind.name: kind for kind in KINDS}

if TYPE_CHECKING:
    ReaderConfig = ReaderConfigBase
else:
    # The discriminated union of every kind's configuration, by `type`.
    ReaderConfig = Annotated[
        Union[tuple(kind.config for kind in KINDS)],  # noqa: UP007 - built at run time
        Field(discriminator="type"),
    ]


def create_reader(config: ReaderConfigBase, context: ReaderContext) -> Reader[Any]:
    """A new reader instance for `config`."""
    reader_type: str = getattr(config, "type")  # noqa: B009 - every concrete config has one
    return READERS[reader_type].reader(config, context)
