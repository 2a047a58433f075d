"""The first-character guard of rule regexes: same matches, exact guards."""
import re

import pytest

from imr.components.regexes import compile_rule, guarded, literal_text, required_literals
from imr.resources import patterns_path, read_rules

from .conftest import CORPUS


@pytest.mark.parametrize(
    "pattern,expected",
    [
        (r"\bno\b", r"(?=[n])(?:\bno\b)"),
        (r"\b(?:there\s+is\s+)?(?:also\s+)?no\b", r"(?=[ant])(?:\b(?:there\s+is\s+)?(?:also\s+)?no\b)"),
        (r"(?<=[.;]\s)absent", r"(?=[a])(?:(?<=[.;]\s)absent)"),
        (r"[a-c]x|-y|\]z", r"(?=[\-\]abc])(?:[a-c]x|-y|\]z)"),
    ],
)
def test_guards(pattern, expected):
    assert guarded(pattern, re.IGNORECASE) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        r"\w+ing",  # a category first: unbounded
        r"\s*(?:lack|fail)",
        r".no",  # any character first
        r"(?:there\s+)?",  # can match the empty string
        r"^CLINICAL SUMMARY",  # a line anchor fails fast by itself
        r"\ACase",
        r"(?i)case",  # global inline flags stay first
        r"(?-i:No)\b",  # scoped flags
        r"[^a]b",  # negated class
        r"(",  # not a regex: left for re.compile to report
    ],
)
def test_unguarded_patterns_stay_as_they_are(pattern):
    assert guarded(pattern) == pattern


def test_guarded_rule_matches_case_insensitively_like_the_rule():
    rule = compile_rule(r"\b(?:there\s+is\s+)?no\s+evidence", re.IGNORECASE)
    assert rule.pattern.startswith("(?=[nt])")
    text = "THERE IS NO EVIDENCE. There is no evidence; No evidence; snow evidence"
    assert [m.group() for m in rule.finditer(text)] == ["THERE IS NO EVIDENCE", "There is no evidence", "No evidence"]


def bundled_rule_patterns():
    """(pattern, flags) of the rule regexes compiled through `compile_rule` in the components."""
    for rule in read_rules(patterns_path("context_rules.jsonl")):
        yield rule["pattern"], re.IGNORECASE
    for rule in read_rules(patterns_path("criteria.jsonl")):
        if rule.get("kind") == "category":
            yield rule["pattern"], re.IGNORECASE
    for rule in read_rules(patterns_path("sections.jsonl")):
        yield rule["pattern"], re.MULTILINE


def test_every_bundled_rule_finds_the_same_matches_on_the_dev_letters():
    text = "\n\n".join(path.read_text(encoding="utf-8", errors="replace") for path in sorted((CORPUS / "dev").glob("*.txt")))
    patterns = list(bundled_rule_patterns())
    guarded_count = 0
    for pattern, flags in patterns:
        plain, fast = re.compile(pattern, flags), compile_rule(pattern, flags)
        guarded_count += fast.pattern != pattern
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], pattern
    assert guarded_count >= 40  # every cue rule and most category rules carry a guard


@pytest.mark.parametrize(
    "pattern,expected",
    [
        (r"\bno\b", {"no"}),
        (r"\b(?:[\w-]+'s|his|her)\s+failure\s+to(?:\s+(?:identify|document))?\b", {"failure"}),  # longest required run
        (r"(?:there\s+is\s+)?(?:also\s+)?no\s+evidence", {"evidence"}),  # optional groups give nothing
        (r"(?:lack|absence|dearth)\s+of", {"lack", "absence", "dearth"}),  # one of an alternation
        (r"fail(?:s|ed)?|fails\s+to", {"fail"}),  # "fails" adds nothing to "fail"
        (r"(?<=\bnotes\s)show", {"show"}),  # a lookbehind's text may lie outside the match
        (r"(?-i:Not)\s+(?:met|satisfied)", {"not"}),
        (r"(?:ab)+c", {"ab"}),
        (r"NO\s+Documentation", {"documentation"}),  # lower case: the test runs on lowered text
        ("\u0130s\\s+no", {"is"}),  # a dotted capital I in the pattern folds as in the text
    ],
)
def test_required_literals(pattern, expected):
    assert required_literals(pattern, re.IGNORECASE) == frozenset(expected)


@pytest.mark.parametrize("pattern", [r"\w+\s+\d", r"x?", r"(?:a|)\s", r"(?=abc)\w", r"[ab]c?", r"(", r"(a?)\1b?"])
def test_patterns_without_required_literals(pattern):
    assert required_literals(pattern, re.IGNORECASE) is None


def test_every_bundled_rule_match_holds_one_of_its_literals():
    """The gate `imr_criteria` puts before each regex (a section holding none of the rule's
    literals skips it) drops no match: every match in the development letters holds one."""
    text = "\n\n".join(path.read_text(encoding="utf-8", errors="replace") for path in sorted((CORPUS / "dev").glob("*.txt")))
    gated = 0
    for pattern, flags in bundled_rule_patterns():
        literals = required_literals(pattern, flags)
        if literals is None:
            continue
        gated += 1
        for match in re.finditer(pattern, text, flags):
            assert any(literal in match.group(0).lower() for literal in literals), (pattern, match.group(0))
    assert gated >= 150


def test_literal_text_folds_what_ignorecase_matches():
    """re.IGNORECASE matches "İ", "ı" to "i" and "ſ" to "s", whose lower case is no "i" / "s"."""
    text = "NO DOCUMENTATİON; it iſ unclear; thıs"
    assert [m.group() for m in re.finditer(r"documentation|is|this", text, re.IGNORECASE)] == ["DOCUMENTATİON", "iſ", "thıs"]
    folded = literal_text(text)
    assert "documentation" in folded and "it is unclear" in folded and "this" in folded
    assert literal_text("No Documentation") == "no documentation"


def test_literal_text_covers_every_character_ignorecase_takes_for_an_ascii_letter():
    """Every non-ASCII character `re.IGNORECASE` matches to a-z reads as that letter in literal_text."""
    letters = re.compile("[a-z]", re.IGNORECASE)
    for code in range(128, 0x110000):
        char = chr(code)
        if letters.fullmatch(char):
            assert re.fullmatch(re.escape(literal_text(char)), char, re.IGNORECASE), hex(code)
            assert literal_text(char).isascii(), hex(code)
