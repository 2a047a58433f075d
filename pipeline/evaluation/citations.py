"""Gold scoring of guideline citations (issue #4), registered with `pipeline.evaluate`.

On every aligned (gold, predicted) decision:

- `citations` P/R/F1: guideline-paragraph citations matched as a multiset on
  (cited_by, source, edition, pages, sections); rationale citations are left out
  (gold lists them only as `rationale_pages`);
- `citation_pages` accuracy: each gold citation with pages has a predicted
  citation of the same party and source with exactly those page ranges;
- `citation_title` accuracy: on key-matched citations, predicted
  `title_as_written` equals the gold title (informational: not part of the key);
- `rationale_pages` P/R/F1: page ranges cited in the rationale;
- `cited_none` P/R/F1: parties that cited no evidence.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .metrics import Evaluation, multiset_prf
from ..components.layout import collapse

GUIDELINE_PARTIES = ("claims_administrator", "maximus")

CitationKey = Tuple[Optional[str], Optional[str], Optional[str], Tuple[Tuple[int, int], ...], Tuple[str, ...]]


def pages_key(pages: Any) -> Tuple[Tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in (pages or []))


def citation_key(citation: Dict[str, Any]) -> CitationKey:
    """What must match for a citation to count: party, source, edition, pages, sections."""
    return (
        citation.get("cited_by"),
        citation.get("source"),
        citation.get("edition"),
        pages_key(citation.get("pages")),
        tuple(collapse(s) for s in citation.get("sections") or []),
    )


def guideline_citations(decision: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [c for c in decision.get("citations") or [] if c.get("cited_by") in GUIDELINE_PARTIES]


def score_citations(ev: Evaluation, gold: Dict[str, Any], pred: Dict[str, Any]) -> None:
    gold_citations = guideline_citations(gold)
    pred_citations = guideline_citations(pred)
    ev.prf["citations"].add(*multiset_prf([citation_key(c) for c in gold_citations], [citation_key(c) for c in pred_citations]))
    for citation in gold_citations:
        if citation.get("pages"):
            wanted = pages_key(citation["pages"])
            ev.acc["citation_pages"].add(
                any(
                    p.get("cited_by") == citation.get("cited_by")
                    and p.get("source") == citation.get("source")
                    and pages_key(p.get("pages")) == wanted
                    for p in pred_citations
                )
            )
    remaining = list(pred_citations)
    for citation in gold_citations:
        key = citation_key(citation)
        match = next((p for p in remaining if citation_key(p) == key), None)
        if match is None:
            continue
        remaining.remove(match)
        gold_title = collapse(citation["title"]) if citation.get("title") else None
        ev.acc["citation_title"].add(gold_title == match.get("title_as_written"))


def score_rationale_pages(ev: Evaluation, gold: Dict[str, Any], pred: Dict[str, Any]) -> None:
    if "rationale_pages" not in gold:
        return
    predicted = [tuple(p) for c in pred.get("citations") or [] if c.get("cited_by") == "rationale" for p in c.get("pages") or []]
    ev.prf["rationale_pages"].add(*multiset_prf(pages_key(gold["rationale_pages"]), predicted))


def score_cited_none(ev: Evaluation, gold: Dict[str, Any], pred: Dict[str, Any]) -> None:
    ev.prf["cited_none"].add(*multiset_prf(gold.get("cited_none") or [], pred.get("cited_none") or []))

