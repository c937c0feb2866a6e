"""Locate the data files shipped with kg: ontology/, queries/ and the sample corpus/.

In a source checkout (or an editable install) they are the top-level folders beside kg/; in a
wheel they are packaged under kg/_data/. `Parsed` holds what is parsed from them once per process.
"""

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

_PKG = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder `name` (ontology, queries or corpus) of this installation."""
    for candidate in (_PKG.parent / name, _PKG / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kg data folder {name!r} not found beside {_PKG}")


def ontology_files() -> list[Path]:
    """Every Turtle file of the ontology except the SHACL shapes, in a stable order."""
    return sorted(p for p in data_dir("ontology").glob("*.ttl") if p.name != "shapes.ttl")


def shapes_file() -> Path:
    return data_dir("ontology") / "shapes.ttl"


def default_corpus() -> Path:
    """corpus/ in the working directory if there is one, else the sample corpus shipped with kg."""
    local = Path("corpus")
    return local if local.is_dir() else data_dir("corpus")


class Parsed(Generic[T]):
    """Something parsed from the data files once per process (the vocabulary, the ontology's Turtle
    section): made by `make` on first use, or handed in beforehand with `use`. `use` is the one seam
    for that: kg.build.cache gives back what an earlier build parsed from the same ontology/ files
    (parsing them with rdflib takes most of a second)."""

    def __init__(self, make: Callable[[], T]):
        self._make = make
        self._value: T | None = None

    def get(self) -> T:
        if self._value is None:
            self._value = self._make()
        return self._value

    def use(self, value: T) -> None:
        """Take `value` instead of parsing (it must come from the same ontology/ files)."""
        self._value = value
