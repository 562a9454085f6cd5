"""Every kind of derived work, gathered from the `WorkKind`s the owning packages declare.

Adding a kind is one declaration, `NAME = WorkKind("name", KeyType, handler)`, in one of the
modules below (a new module of derived work is added to OWNERS).
"""

from types import ModuleType
from typing import Any

from cloud.batches import handlers as batches
from cloud.coldchain import handlers as coldchain
from cloud.db.work_queue import WorkKind
from cloud.trace import chain, integrity

OWNERS: tuple[ModuleType, ...] = (batches, coldchain, chain, integrity)


def _declared(modules: tuple[ModuleType, ...]) -> dict[str, WorkKind[Any]]:
    """The WorkKinds declared at the top of `modules`, by name (a name is declared once)."""
    kinds: dict[str, WorkKind[Any]] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, WorkKind) and kinds.setdefault(value.name, value) is not value:
                raise RuntimeError(f"two kinds of derived work are named {value.name!r}")
    return kinds


KINDS: dict[str, WorkKind[Any]] = _declared(OWNERS)
