"""Letters cut into blocks of a size a model learns from, with offsets back to the letter.

A letter is one long Doc (1,000-3,000 tokens) of which a trained model sees a
few batches per epoch; its drug mentions and criteria sit in the case summary
and in the decision blocks. `letter_blocks` cuts a letter Doc (annotated by
the rule pipeline) into:

- each paragraph of the case summary (`doc.spans["imr_sections"]`, label
  `case_summary`), block label "case_summary";
- each decision block (`doc.spans["imr_decisions"]`: header through rationale),
  label "decision";
- each remaining paragraph (case header, reviewer, determinations, ...), label
  "other": the model also sees the text where nothing is to be found, as it
  will at run time on whole letters.

Each block is a new Doc with the letter's tokens (leading and trailing
whitespace tokens dropped; the last token has no trailing space, so
`letter_text[offset : offset + len(block.text)] == block.text`), its
`doc.ents` and the span groups of entities (`CARRIED_KEYS`: "imr" and
spancat's "imr_spans") carried over (spans that cross the block's edges are dropped
and counted), and `doc.user_data` =
`{"imr_id": letter id, "imr_offset": character offset of the block in the
letter, "imr_block": label}`. Span extension attributes (`span._.imr_*`) are
not carried: the models learn labels.
"""
from typing import Dict, Iterable, List, Optional, Tuple

from spacy.tokens import Doc, Span

from ..components.decisions import DECISIONS_KEY
from ..components.entities import ENTITIES_KEY
from ..components.layout import paragraph_starts
from ..components.sections import SECTIONS_KEY
from ..evaluation.gold import SPANCAT_KEY

CARRIED_KEYS = (ENTITIES_KEY, SPANCAT_KEY)  # the span groups a block keeps
CASE_SUMMARY = "case_summary"
DECISION = "decision"
OTHER = "other"


def block_bounds(doc: Doc) -> List[Tuple[int, int, str]]:
    """(start token, end token, label) of the blocks of a letter Doc, in order, covering it."""
    if len(doc) == 0:
        return []
    text = doc.text
    labels: List[Optional[str]] = [None] * len(doc)  # the region of each token
    region_starts = set()
    for span in doc.spans.get(SECTIONS_KEY, []):
        if span.label_ == CASE_SUMMARY:
            for i in range(span.start, span.end):
                labels[i] = CASE_SUMMARY
            region_starts.add(span.start)
            region_starts.add(span.end)
    for span in doc.spans.get(DECISIONS_KEY, []):
        for i in range(span.start, span.end):
            labels[i] = DECISION
        region_starts.add(span.start)
        region_starts.add(span.end)
    cuts = set(region_starts)
    for offset in paragraph_starts(text):  # paragraphs cut the case summary and the rest, never a decision
        token = doc.char_span(offset, offset + 1, alignment_mode="expand")
        if token is not None and labels[token.start] != DECISION:
            cuts.add(token.start)
    edges = sorted(c for c in cuts if 0 < c < len(doc))
    bounds = []
    for start, end in zip([0] + edges, edges + [len(doc)]):
        while start < end and doc[start].is_space:
            start += 1
        while end > start and doc[end - 1].is_space:
            end -= 1
        if start < end:
            bounds.append((start, end, labels[start] or OTHER))
    return bounds


def block_doc(doc: Doc, start: int, end: int, label: str, keys: Iterable[str] = CARRIED_KEYS) -> Tuple[Doc, int]:
    """The tokens `doc[start:end]` as a new Doc with ents and span groups; (block, spans dropped)."""
    tokens = doc[start:end]
    words = [t.text for t in tokens]
    spaces = [bool(t.whitespace_) for t in tokens]
    spaces[-1] = False
    block = Doc(doc.vocab, words=words, spaces=spaces)
    dropped = 0

    def carry(spans: Iterable[Span]) -> List[Span]:
        nonlocal dropped
        kept = []
        for span in spans:
            if span.start >= start and span.end <= end:
                kept.append(Span(block, span.start - start, span.end - start, label=span.label_, kb_id=span.kb_id_))
            elif span.end > start and span.start < end:
                dropped += 1
        return kept

    if doc.has_annotation("ENT_IOB"):
        block.set_ents(carry(doc.ents), default="outside")
    for key in keys:
        if key in doc.spans:
            block.spans[key] = carry(doc.spans[key])
    block.user_data.update(
        {"imr_id": doc.user_data.get("imr_id"), "imr_offset": doc[start].idx, "imr_block": label}
    )
    return block, dropped


def letter_blocks(doc: Doc) -> Tuple[List[Doc], int]:
    """The blocks of a letter Doc and the count of spans that crossed a block edge."""
    blocks, dropped = [], 0
    for start, end, label in block_bounds(doc):
        block, lost = block_doc(doc, start, end, label)
        blocks.append(block)
        dropped += lost
    return blocks, dropped


def block_counts(blocks: Iterable[Doc]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for block in blocks:
        label = str(block.user_data.get("imr_block"))
        counts[label] = counts.get(label, 0) + 1
    return counts
