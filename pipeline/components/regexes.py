"""Rule regexes compiled with a first-character guard: the same matches, found faster.

Python's `re` tries a pattern at every position of the text. A cue such as
`\\b(?:there\\s+is\\s+)?(?:also\\s+)?no\\b` starts with a word boundary and
optional groups, so each attempt costs several steps even where the character
could never start a match. `compile_rule` works out from the parsed pattern
the set of characters a match can start with and, when that set is finite,
compiles `(?=[chars])(?:pattern)`: positions whose character is not in the
set fail at the first step. The guard is a necessary condition of the
original pattern, so `finditer`, `search` and `match` give the same matches
(tests/test_regexes.py checks this on every cue of the bundled rules over the
development letters). Patterns whose first character cannot be bounded (an
optional start, `.` or a class such as `\\w` first, inline flags) are compiled
unchanged, and so are patterns that start with `^` or `\\A`: the anchor fails
at once where no line starts, and a guard there only adds a step (3x slower
on the section headings).

`required_literals` works out, from the same parse, strings one of which every
match contains ("failure" for `[\\w-]+'s\\s+failure\\s+to`): a text holding none of
them is skipped without a scan.
"""
import re
from typing import Any, FrozenSet, Iterable, Optional, Tuple

try:  # Python 3.11+
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

# Largest character range written into a guard ([a-z] is 26; a wider range is not worth it).
MAX_RANGE = 256
REPEATS = tuple(
    getattr(sre_constants, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(sre_constants, name)
)
ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)
LINE_STARTS = (sre_constants.AT_BEGINNING, sre_constants.AT_BEGINNING_LINE, sre_constants.AT_BEGINNING_STRING)

# (first characters, or None when unbounded; whether the part can match the empty string)
First = Tuple[Optional[FrozenSet[str]], bool]


def compile_rule(pattern: str, flags: int = 0) -> "re.Pattern[str]":
    """`re.compile(pattern, flags)`, with a first-character guard where one can be derived."""
    return re.compile(guarded(pattern, flags), flags)


def guarded(pattern: str, flags: int = 0) -> str:
    """The pattern behind a lookahead on the characters its matches can start with,
    or the pattern itself when they cannot be bounded."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except re.error:
        return pattern
    if pattern.startswith("(?") and parsed.state.flags != sre_parse.parse("", flags).state.flags:
        return pattern  # global inline flags, e.g. "(?i)...": they must stay at the start
    if parsed.data and parsed[0][0] is sre_constants.AT and parsed[0][1] in LINE_STARTS:
        return pattern  # "^...", "\\A...": the anchor already fails fast where no line starts
    chars, nullable = first_of_sequence(parsed)
    if chars is None or nullable or not chars:
        return pattern
    return f"(?=[{''.join(escape_in_class(c) for c in sorted(chars))}])(?:{pattern})"


def escape_in_class(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def first_of_sequence(items: Iterable[Tuple[Any, Any]]) -> First:
    """First characters of a sequence of parsed items: those of each item until one
    that cannot match the empty string."""
    found: set = set()
    for op, value in items:
        chars, nullable = first_of_item(op, value)
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return frozenset(found), False
    return frozenset(found), True


def first_of_item(op: Any, value: Any) -> First:
    if op is sre_constants.LITERAL:
        return frozenset(chr(value)), False
    if op is sre_constants.IN:
        return first_of_class(value), False
    if op in ZERO_WIDTH:
        return frozenset(), True  # \b, ^, lookarounds consume nothing
    if op is sre_constants.SUBPATTERN:
        _, add_flags, del_flags, sub = value
        if add_flags or del_flags:
            return None, False  # scoped flags (?i:...): leave the pattern as it is
        return first_of_sequence(sub)
    if op is sre_constants.BRANCH:
        found: set = set()
        any_nullable = False
        for branch in value[1]:
            chars, nullable = first_of_sequence(branch)
            if chars is None:
                return None, False
            found |= chars
            any_nullable = any_nullable or nullable
        return frozenset(found), any_nullable
    if op in REPEATS:
        low, _, sub = value
        chars, nullable = first_of_sequence(sub)
        return chars, nullable or low == 0
    if op is getattr(sre_constants, "ATOMIC_GROUP", None):
        return first_of_sequence(value)
    return None, False  # ANY, NOT_LITERAL, GROUPREF, ...


def first_of_class(items: Iterable[Tuple[Any, Any]]) -> Optional[FrozenSet[str]]:
    """The characters of a class [...]; None for negated classes and categories (\\w, \\d)."""
    found: set = set()
    for op, value in items:
        if op is sre_constants.LITERAL:
            found.add(chr(value))
        elif op is sre_constants.RANGE and value[1] - value[0] < MAX_RANGE:
            found.update(map(chr, range(value[0], value[1] + 1)))
        else:
            return None
    return frozenset(found)


def required_literals(pattern: str, flags: int = 0) -> Optional[FrozenSet[str]]:
    """Lower-case strings one of which every match of `pattern` contains, or None when
    none can be derived. A text whose lower case holds none of them has no match, so a
    substring test can skip the regex scan (`"failure"` for `[\\w-]+'s\\s+failure\\s+to`).
    Only literal characters outside lookarounds count; of the sets a pattern yields the
    most selective is kept (longest shortest string, then fewest strings)."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except re.error:
        return None
    return literals_of_sequence(parsed)


def literals_of_sequence(items: Iterable[Tuple[Any, Any]]) -> Optional[FrozenSet[str]]:
    """The most selective literal set among a sequence's parts that no match can skip:
    runs of literal characters, and groups, alternations and repeats that cannot be empty."""
    candidates = []
    run: list = []
    for op, value in items:
        if op is sre_constants.LITERAL:
            run.append(literal_text(chr(value)))
            continue
        if run:
            candidates.append(frozenset(["".join(run)]))
            run = []
        if can_be_empty(op, value):
            continue  # optional parts, \b, lookarounds: a match need not hold their text
        if op is sre_constants.SUBPATTERN:
            found = literals_of_sequence(value[3])
        elif op is sre_constants.BRANCH:
            branches = [literals_of_sequence(branch) for branch in value[1]]
            found = frozenset().union(*branches) if all(branches) else None
        elif op in REPEATS:
            found = literals_of_sequence(value[2])
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            found = literals_of_sequence(value)
        else:
            found = None  # a class, \w, ...: no literal
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset(["".join(run)]))
    best = max(candidates, key=lambda found: (min(map(len, found)), -len(found)), default=None)
    # "fail" already finds every text "fails" would: drop the longer string
    return best and frozenset(s for s in best if not any(other != s and other in s for other in best))


def can_be_empty(op: Any, value: Any) -> bool:
    """Whether a parsed item can match the empty string (unknown items: yes, to stay safe)."""
    if op in (sre_constants.LITERAL, sre_constants.IN, sre_constants.ANY, sre_constants.NOT_LITERAL, sre_constants.CATEGORY):
        return False
    if op is sre_constants.SUBPATTERN:
        return all(can_be_empty(*item) for item in value[3])
    if op is sre_constants.BRANCH:
        return any(all(can_be_empty(*item) for item in branch) for branch in value[1])
    if op in REPEATS:
        return value[0] == 0 or all(can_be_empty(*item) for item in value[2])
    if op is getattr(sre_constants, "ATOMIC_GROUP", None):
        return all(can_be_empty(*item) for item in value)
    return True  # \b, ^, lookarounds, group references


# The only characters `re.IGNORECASE` matches to an ASCII letter whose lower case is another
# string: dotted and dotless I, long s (the Kelvin sign lowers to "k" by itself).
LITERAL_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def literal_text(text: str) -> str:
    """`text` in the form `required_literals` are tested against: lower case, with the
    characters `re.IGNORECASE` takes for ASCII letters written as those letters."""
    return text.lower() if text.isascii() else text.translate(LITERAL_FOLDS).lower()
