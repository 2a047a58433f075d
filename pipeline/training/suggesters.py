"""Span candidates for `spancat`: clauses and short n-grams (`imr.clause_ngrams.v1`).

`spancat` scores the candidates a suggester proposes; spaCy's
`spacy.ngram_range_suggester.v1` proposes every n-gram up to a size, which
finds drug names (one to a few tokens) but not the absent criteria (median 12
tokens, up to 50: "There is no documentation of [functional improvement with
Norco].", "[The patient's current medication regimen] was not provided.").
spaCy's `span_finder` learns span edges, but on these letters (a few hundred
silver criteria) it learned none (every start/end probability went to 0, so
spancat had no CRITERION candidate). This suggester proposes both kinds of
span from the token sequence alone, with no learning and no cue list:

- every n-gram of `min_size` to `max_size` tokens that neither starts nor ends
  with a whitespace token (drug names);
- clauses: from every token that is neither whitespace nor a boundary, to the
  end of each of the next `clauses` clause boundaries, and to each
  `is`/`are`/`was`/`were` before the first of them (the subject of "... was not
  provided"), at most `max_length` tokens, trailing whitespace dropped. A
  clause boundary is a token ". ; : , ? !", a paragraph break (a whitespace
  token with two line breaks) or the end of the Doc.

On the gold dev letters 97% of the CRITERION spans are candidates as they
are (the rest start or end inside a clause), at about 3 clause candidates
and 3 n-grams per token. Each candidate is given once, in (start, end) order.

Registered in spaCy's `misc` registry and exposed through the `spacy_misc`
entry point, so a trained pipeline loads without `--code`.
"""
from bisect import bisect_left, bisect_right
from typing import Iterable, List, Optional, Set, Tuple

from spacy.pipeline.spancat import Suggester
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ints1d, Ragged

BOUNDARIES = frozenset({".", ";", ":", ",", "?", "!"})
SUBJECT_ENDS = frozenset({"is", "are", "was", "were"})


@registry.misc("imr.clause_ngrams.v1")
def build_clause_ngrams_suggester(min_size: int = 1, max_size: int = 3, clauses: int = 4, max_length: int = 50) -> Suggester:
    """Candidates: every n-gram of `min_size` to `max_size` tokens, and clause spans of up to
    `max_length` tokens ending at one of the next `clauses` clause boundaries."""

    def suggest(docs: Iterable[Doc], *, ops: Optional[Ops] = None) -> Ragged:
        if ops is None:
            ops = get_current_ops()
        spans: List[Tuple[int, int]] = []
        lengths: List[int] = []
        for doc in docs:
            found = sorted(candidates(doc, min_size=min_size, max_size=max_size, clauses=clauses, max_length=max_length))
            spans.extend(found)
            lengths.append(len(found))
        lengths_array: Ints1d = ops.asarray1i(lengths)
        if spans:
            return Ragged(ops.asarray2i(spans), lengths_array)
        return Ragged(ops.xp.zeros((0, 2), dtype="i"), lengths_array)

    return suggest


def is_boundary(doc: Doc, i: int) -> bool:
    token = doc[i]
    return token.text in BOUNDARIES or (token.is_space and token.text.count("\n") >= 2)


def candidates(doc: Doc, *, min_size: int = 1, max_size: int = 3, clauses: int = 4, max_length: int = 50) -> Set[Tuple[int, int]]:
    """The (start, end) token offsets the suggester proposes for one Doc."""
    n = len(doc)
    found: Set[Tuple[int, int]] = set()
    for size in range(min_size, max_size + 1):
        for start in range(0, n - size + 1):
            if not doc[start].is_space and not doc[start + size - 1].is_space:
                found.add((start, start + size))
    if clauses <= 0 or max_length <= 0:
        return found
    boundaries = [i for i in range(n) if is_boundary(doc, i)] + [n]
    subject_ends = [i for i in range(n) if doc[i].lower_ in SUBJECT_ENDS]

    def add(start: int, end: int) -> None:
        while end > start and doc[end - 1].is_space:
            end -= 1
        if start < end <= start + max_length:
            found.add((start, end))

    for start in range(n):
        if doc[start].is_space or is_boundary(doc, start):
            continue
        first = bisect_right(boundaries, start)
        for end in boundaries[first : first + clauses]:
            if end - start > max_length:
                break
            add(start, end)
        for end in subject_ends[bisect_right(subject_ends, start) : bisect_left(subject_ends, boundaries[first])]:
            add(start, end)
    return found
