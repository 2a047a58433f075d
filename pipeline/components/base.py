"""Shared behaviour of the rule components: rules are JSONL data.

Each component keeps its rules in one JSONL file under `patterns/`. Like
spaCy's `SpanRuler`, rules are loaded in `initialize` (from the bundled file
unless rules are passed in), written by `to_disk` and read back by
`from_disk`, so a saved pipeline carries its own rules.
"""
from typing import Any, Callable, Dict, Iterable, List, Optional

import srsly
from spacy.language import Language
from spacy.training import Example
from spacy.util import ensure_path

from ..resources import PathLike, patterns_path, read_rules, write_rules


class RuleComponent:
    """Base class for components whose behaviour is a list of JSONL rules.

    Subclasses set `rules_file` (the file name under `patterns/`) and
    implement `set_rules(rules)`, which compiles the rules into matchers.
    """

    rules_file: str = ""

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name
        self.rules: List[Dict[str, Any]] = []

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable[Example]]] = None,
        *,
        nlp: Optional[Language] = None,
        rules: Optional[List[Dict[str, Any]]] = None,
        rules_path: Optional[PathLike] = None,
    ) -> None:
        """Load the rules. Idempotent: calling it twice gives the same rules.

        rules: rules to use instead of the bundled file.
        rules_path: a JSONL file to read the rules from instead.
        """
        if rules is None:
            rules = read_rules(rules_path or patterns_path(self.rules_file))
        self.set_rules(list(rules))

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        self.rules = rules

    def require_rules(self) -> None:
        if not self.rules:
            self.initialize()

    def score(self, examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
        """Scores of the component's registered scorer (used by `nlp.evaluate`)."""
        scorer = getattr(self, "scorer", None)
        return scorer(examples, **kwargs) if scorer is not None else {}

    def to_disk(self, path: PathLike, *, exclude: Iterable[str] = tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_rules(path / self.rules_file, self.rules)

    def from_disk(self, path: PathLike, *, exclude: Iterable[str] = tuple()) -> "RuleComponent":
        self.set_rules(read_rules(ensure_path(path) / self.rules_file))
        return self

    # Bytes are JSON, not msgpack: importing medspaCy registers global msgpack
    # decoders that rewrite any dict with a "section" or "modifier" key.
    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.json_dumps({"rules": self.rules}).encode("utf8")

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "RuleComponent":
        self.set_rules(srsly.json_loads(bytes_data)["rules"])
        return self
