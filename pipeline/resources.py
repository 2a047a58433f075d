"""The data bundled with the package (`imr.patterns`, `imr.configs`) and JSONL rule files.

Bundled files are read through `importlib.resources`, so they are found the same
way in a wheel, an editable install and a source checkout: the folders
`patterns/` and `configs/` are the packages `imr.patterns` and `imr.configs`.
"""
import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Dict, Iterable, List, Union

import srsly

# Concrete types, not strings: spaCy validates `initialize` signatures with pydantic.
PathLike = Union[str, Path]
RuleSource = Union[str, Path, Traversable]


def patterns_path(name: str) -> Traversable:
    """A bundled rule file in `imr.patterns` (e.g. "sections.jsonl")."""
    return resources.files("imr.patterns").joinpath(name)


def config_path(name: str = "imr.cfg") -> Traversable:
    """A bundled spaCy config in `imr.configs`."""
    return resources.files("imr.configs").joinpath(name)


def config_text(name: str = "imr.cfg") -> str:
    """The text of a bundled spaCy config."""
    return config_path(name).read_text(encoding="utf8")


def read_rules(path: RuleSource) -> List[Dict[str, Any]]:
    """Read a JSONL rule file, skipping blank lines and lines starting with '//'."""
    source = Path(path) if isinstance(path, (str, os.PathLike)) else path
    rules = []
    with source.open("r", encoding="utf8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            try:
                rules.append(srsly.json_loads(line))
            except ValueError as err:
                raise ValueError(f"{path}:{number}: invalid JSON rule: {err}") from err
    return rules


def write_rules(path: PathLike, rules: Iterable[Dict[str, Any]]) -> None:
    """Write rules as JSONL, one rule per line."""
    srsly.write_jsonl(path, list(rules))
