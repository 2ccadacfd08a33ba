"""A registry of named variant units, filled by importing every module of a variant package."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Callable, Generic, Iterator, TypeVar, Union, get_args

from pydantic import Field

Unit = TypeVar("Unit")


class Registry(Generic[Unit]):
    """Units of one variant kind (e.g. pagination kinds) by name, in registration order."""

    def __init__(self, what: str, package: str, name_field: str | None = None) -> None:
        self.what = what  # how messages name one unit, e.g. "pagination kind"
        self.package = package  # the package whose modules register the units
        # the unit's own field naming it: a pydantic `Literal` field is checked on register (pydantic needs it
        # spelled out to discriminate), a plain class attribute is set by register
        self.name_field = name_field
        self._units: dict[str, Unit] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[Unit], Unit]:
        """Class decorator: file the unit under `name` (each name once), with its own docstring as its README
        sentence, and give it its name (a plain unit) or check the name its discriminator says (a pydantic one)."""
        def add(unit: Unit) -> Unit:
            if name in self._units:
                raise ValueError(f"{self.what} {name!r} is registered twice")
            if self.name_field is not None:
                self._name(name, unit, self.name_field)
            if not vars(unit).get("__doc__"):  # an inherited docstring would describe another unit in the README
                raise TypeError(f"{self.what} {unit.__name__}: its docstring is its README sentence; write one")
            self._units[name] = unit
            return unit
        return add

    def _name(self, name: str, unit: Any, field: str) -> None:
        """Set a plain unit's `field` to `name`; check a pydantic unit's (a TypeError when it says otherwise)."""
        if field in getattr(unit, "model_fields", {}):
            self._check_name(name, unit, field)
        elif vars(unit).get(field, name) != name:
            raise TypeError(f"{self.what} {unit.__name__}: its {field} must be {name!r}")
        else:
            setattr(unit, field, name)

    def _check_name(self, name: str, unit: Any, field: str) -> None:
        """A TypeError unless the unit's pydantic `field` is `Literal[name]` (the discriminator pydantic reads)."""
        fields = getattr(unit, "model_fields", {})
        if field not in fields or get_args(fields[field].annotation) != (name,):
            raise TypeError(f"{self.what} {unit.__name__}: its {field} field must be Literal[{name!r}]")

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

    def discriminated_union(self, field: str | None = None) -> Any:
        """`Annotated[Union[<every unit>], discriminator]` for pydantic, told apart by `field` (default: the
        registry's `name_field`), which must be each unit's `Literal[<its registered name>]`."""
        field = field or self.name_field
        if field is None:
            raise TypeError(f"the {self.what} registry has no field to discriminate on")
        for name, unit in self:
            self._check_name(name, unit, field)
        return Annotated[Union[tuple(unit for _, unit in self)], Field(discriminator=field)]


def summary(unit: type) -> str:
    """A unit's README sentence: its own docstring, folded to one line."""
    return " ".join(vars(unit)["__doc__"].split())


def describe(schema: dict[str, Any], unit: type) -> None:
    """pydantic's `json_schema_extra` for a unit: its schema description is its README sentence on one line (pydantic
    would keep the docstring's line breaks, and `adfgen init` writes descriptions into one-line YAML comments)."""
    schema["description"] = summary(unit)
