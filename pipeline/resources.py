"""Locations of the data bundled with the package and JSONL helpers for rule files."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Dict, Iterable, List, Union

import srsly

PathLike = Union[str, Path]


def data_dir(name: str) -> Path:
    """The `patterns/` or `configs/` folder: next to the package in a source
    checkout (and editable installs), or installed as `pipeline.<name>`."""
    source_tree = Path(__file__).resolve().parent.parent / name
    if source_tree.is_dir():
        return source_tree
    return Path(str(resources.files(f"pipeline.{name}")))


def patterns_path(name: str) -> Path:
    """Path of a bundled rule file in `patterns/` (e.g. "sections.jsonl")."""
    return data_dir("patterns") / name


def config_path(name: str = "imr.cfg") -> Path:
    """Path of a bundled spaCy config in `configs/`."""
    return data_dir("configs") / name


def read_rules(path: PathLike) -> List[Dict[str, Any]]:
    """Read a JSONL rule file, skipping blank lines and lines starting with '//'."""
    rules = []
    with Path(path).open(encoding="utf8") as handle:
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
