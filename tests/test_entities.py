"""The shared entity store: doc.spans["imr"] and doc.ents rebuilt from it."""
import numpy
import spacy
from spacy.tokens import Span

from imr.components.entities import ENTITIES_KEY, add_entities, best_entities

ENT_ATTRS = ["ENT_IOB", "ENT_TYPE"]


def make_doc():
    return spacy.blank("en")("Norco 10/325 mg #90 : Upheld per MTUS page 74 today")


def test_entities_follow_the_group_and_priorities():
    doc = make_doc()
    add_entities(doc, [Span(doc, 0, 1, "DRUG"), Span(doc, 1, 3, "STRENGTH")], labels=["DRUG", "STRENGTH"])
    assert [(e.text, e.label_) for e in doc.ents] == [("Norco", "DRUG")]
    assert doc[5].ent_iob_ == "O"  # the first write sets every other token outside
    # OUTCOME outranks DRUG: the drug over "Norco ... Upheld" is displaced by the outcome span
    add_entities(doc, [Span(doc, 0, 7, "OUTCOME")], labels=["OUTCOME"])
    assert [(e.text, e.label_) for e in doc.ents] == [("Norco 10/325 mg #90 : Upheld", "OUTCOME")]
    add_entities(doc, [Span(doc, 6, 7, "OUTCOME")], labels=["OUTCOME"])
    assert [(e.text, e.label_) for e in doc.ents] == [("Norco", "DRUG"), ("Upheld", "OUTCOME")]
    assert [t.ent_iob_ for t in doc[:8]] == ["B", "O", "O", "O", "O", "O", "B", "O"]
    assert [s.label_ for s in doc.spans[ENTITIES_KEY]] == ["DRUG", "STRENGTH", "OUTCOME"]


def test_entity_tokens_equal_a_whole_reassignment_at_every_step():
    steps = [
        ([(0, 1, "DRUG")], ["DRUG"]),
        ([(7, 10, "CITATION"), (9, 10, "PAGES")], ["CITATION", "PAGES"]),
        ([(0, 7, "OUTCOME")], ["OUTCOME"]),
        ([(1, 3, "STRENGTH")], ["STRENGTH"]),
        ([(6, 7, "OUTCOME")], ["OUTCOME"]),
        ([], ["CITATION", "PAGES"]),
    ]
    doc, reference = make_doc(), make_doc()
    for spans, labels in steps:
        add_entities(doc, [Span(doc, s, e, label) for s, e, label in spans], labels=labels)
        intended = best_entities(doc.spans[ENTITIES_KEY])
        reference.ents = [Span(reference, e.start, e.end, e.label_) for e in intended]  # a full rewrite
        assert numpy.array_equal(doc.to_array(ENT_ATTRS), reference.to_array(ENT_ATTRS))
