"""A registry of named variant units, filled by importing every module of a variant package."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Callable, Generic, Iterator, TypeVar, Union, get_args

from pydantic import Field

Unit = TypeVar("Unit")


class Registry(Generic[Unit]):
    """Units of one variant kind (e.g. pagination kinds) by name, in registration order."""

    def __init__(self, what: str, package: str) -> None:
        self.what = what  # how messages name one unit, e.g. "pagination kind"
        self.package = package  # the package whose modules register the units
        self._units: dict[str, Unit] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[Unit], Unit]:
        """Class or function decorator: file the unit under `name` (each name once)."""
        def add(unit: Unit) -> Unit:
            if name in self._units:
                raise ValueError(f"{self.what} {name!r} is registered twice")
            self._units[name] = unit
            return unit
        return add

    def _load(self) -> None:
        """Import every module of the package once, so that each registers its unit."""
        if self._loaded:
            return
        self._loaded = True  # before the imports: a unit that asks the registry while it loads must not recurse
        try:
            package = importlib.import_module(self.package)
            for module in pkgutil.iter_modules(package.__path__):
                if not module.name.startswith("_"):
                    importlib.import_module(f"{self.package}.{module.name}")
        except BaseException:
            self._loaded = False  # a broken unit fails every lookup, not only the first, with its own error
            raise

    def get(self, name: str) -> Unit:
        """The unit called `name`; a KeyError naming the valid choices otherwise."""
        self._load()
        try:
            return self._units[name]
        except KeyError:
            raise KeyError(f"unknown {self.what} {name!r}; choose one of: {', '.join(self.names())}") from None

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self._load()
        return sorted(self._units)

    def __iter__(self) -> Iterator[tuple[str, Unit]]:
        self._load()
        return iter(sorted(self._units.items()))

    def discriminated_union(self, field: str) -> Any:
        """`Annotated[Union[<every unit>], discriminator field]` for pydantic, checking that each unit's `field` is
        `Literal[<its registered name>]`."""
        units = []
        for name, unit in self:
            if get_args(unit.model_fields[field].annotation) != (name,):
                raise TypeError(f"{self.what} {unit.__name__}: its {field} field must be Literal[{name!r}]")
            units.append(unit)
        return Annotated[Union[tuple(units)], Field(discriminator=field)]
