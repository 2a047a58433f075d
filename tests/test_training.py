"""Training data and trained-model plumbing: splits, blocks, drug-name augmentation and its name
pool, the clause suggester, 2013 gold outcomes, compare's metrics, the model-span components, and
the committed scores tables."""
from collections import Counter
import random
import re

import pytest
import spacy
import srsly
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from typer.testing import CliRunner

from imr.cli import app
from imr.evaluation.compare import LabelCounts, TokenIndex, drug_name_key, format_splits, format_summary, score_pipeline
from imr.evaluation.gold import SPANCAT_KEY, determination_outcomes, model_views, place_gold
from imr.training.augment import (
    create_drug_names_augmenter, decoy_words, drug_words, lexicon_names, names_by_ending, replace_tokens, vocabulary_names, written_like,
)
from imr.training.corpus import training_drug_names
from imr.training.suggesters import build_clause_ngrams_suggester, candidates
from imr.training.blocks import block_bounds, letter_blocks
from imr.training.splits import SplitError, check_disjoint, choose_dev, choose_splits

from .conftest import ROOT, letter_path

runner = CliRunner()


# ---------------------------------------------------------------- splits


def test_splits_are_disjoint_and_keep_the_2013_letter_out_of_train():
    ids = [f"L{i:03d}" for i in range(40)] + ["SYN-2013-01"]
    templates = {i: "2016" for i in ids} | {"L000": "2014", "L001": "2014", "L002": "2014", "SYN-2013-01": "2013"}
    splits = choose_splits(ids, gold_ids=ids[:30] + ["SYN-2013-01"], test_ids=ids[30:40], templates=templates, dev_size=10)
    assert len(splits["dev"]) == 10 and "SYN-2013-01" in splits["dev"]
    assert splits["test"] == ids[30:40]
    assert "SYN-2013-01" not in splits["train"]
    assert {templates[i] for i in splits["dev"]} == {"2013", "2014", "2016"}  # every template
    assert {templates[i] for i in splits["train"]} == {"2014", "2016"}  # and the models train on both
    assert sorted(splits["train"] + splits["dev"] + splits["test"]) == sorted(ids)
    assert splits == choose_splits(reversed(ids), ids[:30] + ["SYN-2013-01"], ids[30:40], templates, dev_size=10)  # deterministic


def test_overlapping_splits_are_refused():
    with pytest.raises(SplitError, match="both"):
        check_disjoint({"train": ["a", "b"], "dev": ["b"], "test": []})
    with pytest.raises(SplitError, match="both the gold and the held-out gold"):
        choose_splits(["a", "b"], gold_ids=["a"], test_ids=["a"], templates={})


def test_dev_is_chosen_by_crc32():
    ids = [f"L{i:03d}" for i in range(50)]
    assert choose_dev(ids, {}, size=5) == choose_dev(list(reversed(ids)), {}, size=5)
    assert len(choose_dev(ids, {}, size=5)) == 5


# ---------------------------------------------------------------- blocks

LETTER = """Case Number: CM16-0000001
Date Assigned: 11/18/2016

CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:

The applicant is a 34-year-old male who has filed a claim for chronic low back pain
reportedly associated with an industrial injury of October 10, 2015. The applicant was
on Norco and Flexeril, several of which were renewed while the applicant was placed off
of work until the next visit.

Ongoing pain was reported on a handwritten progress note dated November 8, 2016, which
was very difficult to follow and not altogether legible.

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:

Norco 10/325mg #90: Upheld

Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

Decision rationale: There is no documentation of functional improvement with Norco. Therefore, the request is
not medically necessary.
"""


def test_letter_blocks_keep_offsets_and_spans(nlp):
    doc = model_views(nlp(LETTER))
    doc.user_data["imr_id"] = "CM16-0000001"
    blocks, dropped = letter_blocks(doc)
    assert dropped == 0
    labels = [b.user_data["imr_block"] for b in blocks]
    assert labels.count("decision") == 1 and labels.count("case_summary") == 3
    for block in blocks:
        offset = block.user_data["imr_offset"]
        assert LETTER[offset : offset + len(block.text)] == block.text
        assert block.user_data["imr_id"] == "CM16-0000001"
        for span in block.spans["imr"]:
            assert LETTER[offset + span.start_char : offset + span.end_char] == span.text
    carried = sorted((b.user_data["imr_offset"] + s.start_char, s.label_) for b in blocks for s in b.spans["imr"])
    assert carried == sorted((s.start_char, s.label_) for s in doc.spans["imr"])
    decision = blocks[labels.index("decision")]
    assert [(e.text, e.label_) for e in decision.ents] == [("Norco", "DRUG"), ("Upheld", "OUTCOME"), ("Norco", "DRUG")]
    assert sorted(s.label_ for s in decision.spans[SPANCAT_KEY]) == ["CRITERION", "DRUG", "DRUG"]
    assert len(block_bounds(doc)) == len(blocks)


# ---------------------------------------------------------------- augmentation


def tiny_example(nlp):
    words = ["Norco", "10/325", "mg", "with", "Bupropion", "HCL", ".", "No", "relief", "from", "Norco", ":", "Upheld"]
    spaces = [True, False, True, True, True, False, True, True, True, True, False, True, False]
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    doc.set_ents([Span(doc, 0, 1, "DRUG"), Span(doc, 4, 6, "DRUG"), Span(doc, 10, 11, "DRUG"), Span(doc, 12, 13, "OUTCOME")], default="outside")
    doc.spans["imr"] = [Span(doc, 0, 1, "DRUG"), Span(doc, 1, 3, "STRENGTH"), Span(doc, 4, 6, "DRUG"), Span(doc, 8, 11, "CRITERION"), Span(doc, 10, 11, "DRUG")]
    return Example(nlp.make_doc(doc.text), doc)


def test_drug_names_augmenter_replaces_names_and_realigns_every_span():
    nlp = spacy.blank("en")
    augment = create_drug_names_augmenter(level=1.0, names=["insulin glargine"])
    random.seed(0)
    (example,) = list(augment(nlp, tiny_example(nlp)))
    reference = example.reference
    assert reference.text == "Insulin glargine 10/325mg with Insulin glargine HCL. No relief from Insulin glargine: Upheld"
    assert example.predicted.text == reference.text
    assert [(e.text, e.label_) for e in reference.ents] == [
        ("Insulin glargine", "DRUG"), ("Insulin glargine HCL", "DRUG"), ("Insulin glargine", "DRUG"), ("Upheld", "OUTCOME"),
    ]  # fmt: skip
    assert [(s.text, s.label_) for s in reference.spans["imr"]] == [
        ("Insulin glargine", "DRUG"), ("10/325mg", "STRENGTH"), ("Insulin glargine HCL", "DRUG"),
        ("relief from Insulin glargine", "CRITERION"), ("Insulin glargine", "DRUG"),
    ]  # fmt: skip
    assert all(t.ent_iob_ in ("B", "I", "O") for t in reference)  # no token left unannotated


def test_drug_names_augmenter_level_and_strengths():
    nlp = spacy.blank("en")
    example = tiny_example(nlp)
    assert list(create_drug_names_augmenter(level=0.0, names=["Xanax"])(nlp, example)) == [example]
    random.seed(3)
    (swapped,) = list(create_drug_names_augmenter(level=1.0, names=["Xanax"], strength_level=1.0)(nlp, example))
    strength = next(s for s in swapped.reference.spans["imr"] if s.label_ == "STRENGTH")
    assert re.fullmatch(r"[\d.]+ ?(mg|mcg|ml)|[\d.]+%", strength.text)
    assert swapped.reference.text.startswith(f"Xanax {strength.text} with Xanax HCL.")


def test_drug_names_augmenter_lower_case_and_line_breaks():
    nlp = spacy.blank("en")
    augment = create_drug_names_augmenter(level=1.0, names=["Xanax"], lower_share=1.0, whitespace_level=1.0, whitespace_per_token=0.5)
    random.seed(2)
    (example,) = list(augment(nlp, tiny_example(nlp)))
    reference = example.reference
    assert reference.text == "xanax \n10/325mg \n\nwith xanax HCL. \n\nNo relief from xanax: Upheld"
    assert [(e.text, e.label_) for e in reference.ents] == [("xanax", "DRUG"), ("xanax HCL", "DRUG"), ("xanax", "DRUG"), ("Upheld", "OUTCOME")]
    assert [(s.text, s.label_) for s in reference.spans["imr"]] == [
        ("xanax", "DRUG"), ("10/325mg", "STRENGTH"), ("xanax HCL", "DRUG"), ("relief from xanax", "CRITERION"), ("xanax", "DRUG"),
    ]  # fmt: skip
    assert all(t.ent_iob_ == "O" for t in reference if t.is_space)  # line breaks are outside every entity
    random.seed(2)
    (plain,) = list(create_drug_names_augmenter(level=1.0, names=["Xanax"])(nlp, tiny_example(nlp)))
    assert plain.reference.text == "Xanax 10/325mg with Xanax HCL. No relief from Xanax: Upheld"  # both off by default


def test_combination_products_join_two_names_and_stay_one_entity():
    nlp = spacy.blank("en")
    augment = create_drug_names_augmenter(level=1.0, names=["Xanax", "Ketorolac", "Lyrica"], combination_share=1.0)
    random.seed(4)
    (example,) = list(augment(nlp, tiny_example(nlp)))
    drugs = [e for e in example.reference.ents if e.label_ == "DRUG"]
    assert [e.text for e in drugs][0] == [e.text for e in drugs][2]  # one mention, one new name
    for entity in drugs:
        first, joiner, second = re.fullmatch(r"([A-Za-z]+)([/-])([A-Za-z]+)(?: HCL)?", entity.text).groups()
        assert first.lower() in ("xanax", "ketorolac", "lyrica") and second.lower() in ("xanax", "ketorolac", "lyrica")
        assert [t.text for t in entity][:3] == [first, joiner, second]  # three tokens, one entity
    assert example.reference.text.endswith(f"No relief from {drugs[2].text}: Upheld")
    random.seed(4)
    (plain,) = list(create_drug_names_augmenter(level=1.0, names=["Xanax", "Ketorolac", "Lyrica"])(nlp, tiny_example(nlp)))
    assert not re.search(r"[/-][A-Za-z]", plain.reference.text)  # off by default


def decoy_example(nlp):
    words = ["Per", "MTUS", "guidelines", ",", "Norco", "10/325", "mg", "and", "Title", "8", ".", "MTUS", ":", "Upheld"]
    spaces = [True, True, False, True, True, False, True, True, True, False, True, False, True, False]
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    doc.set_ents([Span(doc, 4, 5, "DRUG"), Span(doc, 13, 14, "OUTCOME")], default="outside")
    doc.spans["imr"] = [Span(doc, 4, 5, "DRUG"), Span(doc, 5, 7, "STRENGTH"), Span(doc, 7, 10, "CRITERION")]
    return Example(nlp.make_doc(doc.text), doc)


def test_decoys_replace_capitalised_words_outside_entities():
    nlp = spacy.blank("en")
    augment = create_drug_names_augmenter(level=0.0, names=["Xanax"], decoy_level=1.0, decoy_per_token=1.0, decoys=["Culpepper"])
    (example,) = list(augment(nlp, decoy_example(nlp)))
    reference = example.reference
    # "Per" is a stop word, "Norco" a drug, "Upheld" an outcome; both MTUS in capitals, Title capitalised
    assert reference.text == "Per CULPEPPER guidelines, Norco 10/325mg and Culpepper 8. CULPEPPER: Upheld"
    assert example.predicted.text == reference.text
    assert [(e.text, e.label_) for e in reference.ents] == [("Norco", "DRUG"), ("Upheld", "OUTCOME")]
    assert [(s.text, s.label_) for s in reference.spans["imr"]] == [("Norco", "DRUG"), ("10/325mg", "STRENGTH"), ("and Culpepper 8", "CRITERION")]
    assert [t.ent_iob_ for t in reference] == ["O", "O", "O", "O", "B", "O", "O", "O", "O", "O", "O", "O", "O", "B"]
    augment = create_drug_names_augmenter(level=1.0, names=["Xanax"], decoy_level=1.0, decoy_per_token=1.0, decoys=["Culpepper"])
    (both,) = list(augment(nlp, decoy_example(nlp)))
    assert both.reference.text == "Per CULPEPPER guidelines, Xanax 10/325mg and Culpepper 8. CULPEPPER: Upheld"
    assert [(e.text, e.label_) for e in both.reference.ents] == [("Xanax", "DRUG"), ("Upheld", "OUTCOME")]


def test_decoys_are_chosen_per_word_and_off_by_default():
    nlp = spacy.blank("en")
    augment = create_drug_names_augmenter(level=0.0, names=["Xanax"], decoy_level=1.0, decoy_per_token=0.5, decoys=["Culpepper", "Magnavox"])
    texts = set()
    for seed in range(20):
        random.seed(seed)
        (example,) = list(augment(nlp, decoy_example(nlp)))
        words = [t.text for t in example.reference]
        assert words[1] == words[11]  # every mention of a word alike: kept, or the same decoy
        texts.add(" ".join(words[i] for i in (1, 8)))
    assert {"MTUS Title", "CULPEPPER Magnavox", "MAGNAVOX Title"} <= texts
    example = decoy_example(nlp)
    assert list(create_drug_names_augmenter(level=0.0, names=["Xanax"], decoys=["Culpepper"])(nlp, example)) == [example]


def test_names_can_end_like_the_words_of_the_example():
    nlp = spacy.blank("en")
    # "relief" and "from" are the only words of 5+ letters outside every entity ("Upheld" is an OUTCOME)
    names = ["Zyxolam", "Brelief", "Zaprion"]
    augment = create_drug_names_augmenter(level=1.0, names=names, ending_share=1.0)
    for seed in range(5):
        random.seed(seed)
        (example,) = list(augment(nlp, tiny_example(nlp)))
        assert example.reference.text.startswith("Brelief 10/325mg with Brelief HCL.")  # ends in "ief" like "relief"
    random.seed(1)
    (plain,) = list(create_drug_names_augmenter(level=1.0, names=names)(nlp, tiny_example(nlp)))
    assert plain.reference.text == "Zyxolam 10/325mg with Brelief HCL. No relief from Zyxolam: Upheld"  # off by default
    assert names_by_ending(["Zaprion", "Bupropion", "Xanax HCL", "Zyx"]) == {"ion": ("Zaprion", "Bupropion")}


def test_decoy_pool_holds_no_drug_and_no_gold_name():
    pool = decoy_words()
    assert len(pool) > 10000 and "Sacramento" in pool
    words = drug_words()
    assert len(words) > 40000 and {"norco", "zolpidem", "hcl"} <= words
    assert not {w.lower() for w in pool} & words
    for split in ("dev", "test"):
        gold = {w for name in gold_drug_names(ROOT / "corpus" / f"{split}.spacy") for w in re.findall(r"[a-z]+", name)}
        assert not {w.lower() for w in pool} & gold, split
    config = spacy.util.load_config(ROOT / "configs" / "ner.cfg")["corpora"]["train"]["augmenter"]
    assert config["decoy_level"] == 0.0 and config["decoys"] is None  # in the ner's config, off (docs/training.md)


def test_names_are_written_like_the_mention():
    assert written_like("zolpidem", "NORCO") == "ZOLPIDEM"
    assert written_like("zolpidem", "Norco") == "Zolpidem"
    assert written_like("OxyContin", "norco") == "oxycontin"
    assert written_like("OxyContin", "Norco") == "OxyContin"


def test_replace_tokens_keeps_missing_entity_annotation():
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=["take", "Norco", "now"])
    doc.set_ents([Span(doc, 1, 2, "DRUG")], outside=[Span(doc, 0, 1)], default="unmodified")
    new = replace_tokens(nlp, doc, [(1, 2, "Lyrica CR")])
    assert [t.ent_iob_ for t in new] == ["O", "B", "I", ""]


def test_augmenter_is_registered_for_configs():
    from spacy.util import registry

    assert registry.augmenters.get("imr.drug_names.v1") is create_drug_names_augmenter
    for config in ("ner.cfg", "spancat.cfg"):
        augmenter = spacy.util.load_config(ROOT / "configs" / config)["corpora"]["train"]["augmenter"]
        assert augmenter["@augmenters"] == "imr.drug_names.v1" and augmenter["lexicon_share"] == 0.0


def gold_drug_names(path):
    docs = DocBin().from_disk(path).get_docs(spacy.blank("en").vocab)
    return {drug_name_key(s.text) for doc in docs for s in doc.spans["imr"] if s.label_ == "DRUG"}


def test_augmenter_never_draws_a_gold_name_scored_as_unseen():
    """The configs draw from the vocabulary only: none of the names `imr compare` scores as absent
    from training (`unseen_r`) is in it; the lexicon, written from the gold letters, holds them."""
    pool = {drug_name_key(name) for name in vocabulary_names(2)}
    lexicon = {drug_name_key(name) for name in lexicon_names()}
    seen = {drug_name_key(name) for name in training_drug_names(ROOT / "corpus" / "train.spacy")}
    assert len(pool) > 20000
    for split in ("dev", "test"):
        unseen = gold_drug_names(ROOT / "corpus" / f"{split}.spacy") - seen
        assert len(unseen) >= 5  # dev 19 names, test 5 (the 132 letters written blind use most of the others)
        assert not unseen & pool, split
        assert len(unseen & lexicon) >= 4  # what drawing from the lexicon would have taught the model


# ---------------------------------------------------------------- suggester


def test_clause_suggester_proposes_ngrams_and_clauses():
    vocab = spacy.blank("en").vocab
    words = ["There", "is", "no", "Norco", ",", "the", "plan", "was", "unclear", "."]
    doc = Doc(vocab, words=words, spaces=[True, True, True, False, True, True, True, True, False, False])
    assert sorted(candidates(doc, min_size=1, max_size=1, clauses=2, max_length=50)) == sorted(
        [(i, i + 1) for i in range(10)]
        + [(0, 4), (0, 9), (1, 4), (1, 9), (2, 4), (2, 9), (3, 9)]  # to the next two boundaries ", ."
        + [(5, 7), (5, 9), (5, 10), (6, 9), (6, 10), (7, 9), (7, 10), (8, 10)]  # and to "was": "the plan"
    )
    assert (3, 9) not in candidates(doc, min_size=1, max_size=1, clauses=2, max_length=5)  # 6 tokens
    suggest = build_clause_ngrams_suggester(min_size=1, max_size=2, clauses=1, max_length=50)
    ragged = suggest([doc, Doc(vocab, words=["Xanax"])])
    assert list(ragged.lengths) == [len(candidates(doc, min_size=1, max_size=2, clauses=1)), 1]
    assert [tuple(row) for row in ragged.dataXd.tolist()][-1] == (0, 1)


def test_clause_suggester_skips_whitespace_and_stops_at_paragraphs():
    vocab = spacy.blank("en").vocab
    words = ["lack", "of", "relief", "\n\n", "Plan", ":", "\n", "rest"]
    doc = Doc(vocab, words=words, spaces=[True, True, False, False, False, False, False, False])
    found = candidates(doc, min_size=1, max_size=2, clauses=1)
    assert (0, 3) in found and (0, 4) not in found  # the paragraph break ends the clause, never inside a span
    assert not any(doc[s].is_space or doc[e - 1].is_space for s, e in found)
    assert (6, 7) not in found and (7, 8) in found


def test_clause_suggester_is_registered_and_used_by_spancat():
    from spacy.util import registry

    assert registry.misc.get("imr.clause_ngrams.v1") is build_clause_ngrams_suggester
    config = spacy.util.load_config(ROOT / "configs" / "spancat.cfg")
    assert config["components"]["spancat"]["suggester"]["@misc"] == "imr.clause_ngrams.v1"
    assert config["nlp"]["pipeline"] == ["tok2vec", "spancat"]


def test_clause_suggester_proposes_the_gold_criteria():
    docs = list(DocBin().from_disk(ROOT / "corpus" / "dev.spacy").get_docs(spacy.blank("en").vocab))
    gold = [(doc, s) for doc in docs for s in doc.spans[SPANCAT_KEY]]
    found = {}
    for doc in docs:
        found[id(doc)] = candidates(doc)
    hits = {label: sum((s.start, s.end) in found[id(d)] for d, s in gold if s.label_ == label) for label in ("DRUG", "CRITERION")}
    totals = {label: sum(s.label_ == label for _, s in gold) for label in ("DRUG", "CRITERION")}
    assert hits["DRUG"] == totals["DRUG"]
    assert hits["CRITERION"] >= 0.95 * totals["CRITERION"]


# ---------------------------------------------------------------- gold


def test_2013_outcomes_are_placed_where_the_rules_put_them(nlp):
    text = letter_path("SYN-2013-01").read_text(encoding="utf8")
    gold = srsly.read_json(ROOT / "corpus" / "gold" / "SYN-2013-01.json")
    placement = place_gold(text, gold)
    assert placement.missing == []
    outcomes = [(s, e) for s, e, label in placement.spans if label == "OUTCOME"]
    assert [text[s:e] for s, e in outcomes] == [
        "medically necessary and appropriate", "not medically necessary and appropriate", "notmedically necessary and appropriate",
    ]  # fmt: skip
    doc = nlp(text)
    assert outcomes == [(s.start_char, s.end_char) for s in doc.spans["imr"] if s.label_ == "OUTCOME"]
    assert sorted(determination_outcomes(text)) == [1, 2, 3]


# ---------------------------------------------------------------- compare


def test_overlap_and_unseen_name_counts():
    nlp = spacy.blank("en")
    doc = nlp("no documentation of functional improvement with Norco or Xyzal")
    index = TokenIndex(doc)
    counts = LabelCounts()
    gold = {(20, 42, "CRITERION")}  # "functional improvement"
    found = {(0, 42, "CRITERION")}  # 6 tokens, 2 of them gold: the gold span is covered, the prediction is not right
    counts.add(index, gold, found, set())
    s = counts.scores(with_unseen=False)
    assert (s["p"], s["r"], s["overlap_r"], s["overlap_p"]) == (0.0, 0.0, 1.0, 0.0)
    counts = LabelCounts()
    counts.add(index, {(48, 53, "DRUG"), (57, 62, "DRUG")}, {(48, 53, "DRUG")}, {(57, 62, "DRUG")})
    s = counts.scores(with_unseen=True)
    assert (s["r"], s["unseen_r"], s["unseen_n"]) == (0.5, 0.0, 1)
    assert drug_name_key("Diclofenac-\nmisoprostol") == drug_name_key("diclofenac / Misoprostol")


def test_compare_scores_a_pipeline_on_hand_made_gold():
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler", name="ner").add_patterns([{"label": "DRUG", "pattern": "Norco"}, {"label": "DRUG", "pattern": "relief"}])
    gold = nlp.make_doc("Norco and Xyzal gave no relief. Norco stopped.")
    gold.spans["imr"] = [Span(gold, 0, 1, "DRUG"), Span(gold, 2, 3, "DRUG"), Span(gold, 3, 6, "CRITERION"), Span(gold, 7, 8, "DRUG")]
    entry = score_pipeline(nlp, [gold], seen={"norco"})
    assert list(entry["labels"]) == ["DRUG"]  # the ner predicts no CRITERION: not scored for it
    drug = entry["labels"]["DRUG"]
    assert (drug["n"], drug["predicted"]) == (3, 3)
    assert (drug["p"], drug["r"]) == pytest.approx((2 / 3, 2 / 3))
    assert (drug["unseen_r"], drug["unseen_n"]) == (0.0, 1)  # Xyzal: not in training, not found
    assert "evaluate" not in entry  # no rule components
    results = {"dev": {"gold": "g", "letters": 1, "pipelines": {"ner": entry}}}
    assert format_summary(results).splitlines()[-1] == "| DRUG | ner | 0.667 / 0.667 / 0.667 | 0.667 | 0.000 (1) |"


def test_spans_overlap_scorer_for_model_selection():
    from spacy.util import registry

    from imr.training.scorers import make_spans_overlap_scorer

    assert registry.scorers.get("imr.spans_overlap_scorer.v1") is make_spans_overlap_scorer
    nlp = spacy.blank("en")
    gold = nlp.make_doc("There is no documentation of functional improvement with Norco.")
    gold.spans[SPANCAT_KEY] = [Span(gold, 5, 9, "CRITERION"), Span(gold, 8, 9, "DRUG")]
    predicted = nlp.make_doc(gold.text)
    predicted.spans[SPANCAT_KEY] = [Span(predicted, 4, 9, "CRITERION"), Span(predicted, 0, 2, "CRITERION")]
    scores = make_spans_overlap_scorer()([Example(predicted, gold)], spans_key=SPANCAT_KEY)
    assert scores["spans_imr_spans_f"] == 0.0  # no exact match
    # "of functional improvement with Norco" covers the gold criterion and is mostly gold; "There is" is not
    assert (scores["spans_imr_spans_criterion_overlap_r"], scores["spans_imr_spans_criterion_overlap_p"]) == (1.0, 0.5)
    assert scores["spans_imr_spans_drug_overlap_r"] == 0.0
    config = spacy.util.load_config(ROOT / "configs" / "spancat.cfg")
    assert config["components"]["spancat"]["scorer"]["@scorers"] == "imr.spans_overlap_scorer.v1"
    assert config["training"]["score_weights"]["spans_imr_spans_criterion_overlap_f"] > 0


# ---------------------------------------------------------------- hybrid components


@pytest.fixture(scope="module")
def hybrid_like(nlp):
    """The rule pipeline with an entity ruler standing in for the trained ner."""
    import imr

    hybrid = imr.load()
    ruler = hybrid.add_pipe("entity_ruler", first=True)
    ruler.add_patterns([
        {"label": "DRUG", "pattern": "Zyxolam"}, {"label": "DRUG", "pattern": "therapy"},
        {"label": "DRUG", "pattern": "Norco"}, {"label": "DRUG", "pattern": "Opioids"}, {"label": "DRUG", "pattern": "Lisfranc"},
        {"label": "DRUG", "pattern": "migraine"},
    ])  # fmt: skip
    hybrid.add_pipe("imr_model_spans", after="entity_ruler")
    hybrid.add_pipe("imr_model_drugs", after="imr_drugs")
    return hybrid


def test_model_drugs_are_added_with_attributes_and_guarded(hybrid_like):
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n\n"
        "Physical therapy 6 sessions: Upheld\n\n"
        "Decision rationale: The applicant takes Zyxolam 10mg #30 daily. Opioids such as Norco and physical therapy "
        "did not help. Zyxolam was stopped after the Lisfranc fracture. Therefore, the request is not medically necessary.\n"
    )
    doc = hybrid_like(text)
    assert [s.text for s in doc.spans["imr_model"]] == ["therapy", "Zyxolam", "Opioids", "Norco", "therapy", "Zyxolam", "Lisfranc"]
    drugs = [(s.text, s._.imr_drug["source"]) for s in doc.spans["imr"] if s.label_ == "DRUG"]
    # no class word, no English word, no duplicate of the rules' span, no name tagged once without a dose
    assert drugs == [("Zyxolam", "model"), ("Norco", "lexicon"), ("Zyxolam", "model")]
    first = next(s for s in doc.spans["imr"] if s.label_ == "DRUG")
    assert first._.imr_drug["strength"] == [{"value": 10, "unit": "mg"}] and first._.imr_drug["quantity"] == 30
    assert first._.imr_drug["generic"] is None and first._.imr_drug["drug_class"] is None
    assert [e.text for e in doc.ents if e.label_ == "DRUG"] == ["Zyxolam", "Norco", "Zyxolam"]


def test_model_drug_guard_words(hybrid_like):
    guard = hybrid_like.get_pipe("imr_model_drugs")
    doc = hybrid_like.make_doc("Home aide, Zyxolam, opioids, therapy, Xyz, the")
    # too short (< 5 letters), a name, a class word, common English, too short, a stop word
    assert [guard.accept(doc[i : i + 1]) for i in range(1, 12, 2)] == [False, True, False, False, False, False]
    doc = hybrid_like("History of migraine headaches. The migraine persisted. Zyxolam was stopped; Zyxolam was resumed.")
    # an English word ("migraine") needs a dose after one of its mentions; a name that is not, two mentions
    assert [s.text for s in doc.spans["imr_model"]] == ["migraine", "migraine", "Zyxolam", "Zyxolam"]
    assert [(s.text, s._.imr_drug["source"]) for s in doc.spans["imr"] if s.label_ == "DRUG"] == [("Zyxolam", "model"), ("Zyxolam", "model")]
    doc = hybrid_like("She takes migraine 20mg #30 daily. The migraine helped.")
    assert [s.text for s in doc.spans["imr"] if s.label_ == "DRUG"] == ["migraine", "migraine"]  # a dose: the letter says so


def test_hidden_names_check_hides_the_unseen_names_from_the_rules():
    import imr
    from imr.training.hidden_names import hidden_names, hide_names

    vocab = spacy.blank("en").vocab
    gold = Doc(vocab, words=["Zolpidem", "and", "Norco", "and", "NORCO"])
    gold.spans["imr"] = [Span(gold, 0, 1, "DRUG"), Span(gold, 2, 3, "DRUG"), Span(gold, 4, 5, "DRUG")]
    assert hidden_names([gold], ["norco", "gabapentin"]) == ["zolpidem"]
    nlp = imr.load()

    def drugs(text):
        doc = nlp(text)
        return [s.text for s in doc.spans["imr"] if s.label_ == "DRUG"]

    text = "The applicant takes Zolpidem and Norco daily."
    assert drugs(text) == ["Zolpidem", "Norco"]
    assert hide_names(nlp, ["zolpidem"]) >= 1  # its lexicon rules
    assert drugs(text) == ["Norco"]


# ---------------------------------------------------------------- make-corpus and the scores table


def test_make_corpus_writes_leak_free_splits(tmp_path):
    letters, gold, heldout = tmp_path / "letters", tmp_path / "gold", tmp_path / "heldout"
    for folder in (letters, gold, heldout):
        folder.mkdir()
    ids = ["000_be903013f77bdc94", "001_1f5dc34496348b44", "CM16-0219557", "CM16-0221706", "SYN-2013-01"]
    for letter_id in ids:
        (letters / f"{letter_id}.txt").write_text(letter_path(letter_id).read_text(encoding="utf8"), encoding="utf8")
    for letter_id in ids[:2] + ["SYN-2013-01"]:
        (gold / f"{letter_id}.json").write_text((ROOT / "corpus" / "gold" / f"{letter_id}.json").read_text(encoding="utf8"), encoding="utf8")
    (heldout / "CM16-0219557.json").write_text((ROOT / "corpus" / "gold" / "CM16-0219557.json").read_text(encoding="utf8"), encoding="utf8")
    out = tmp_path / "out"
    args = ["make-corpus", str(letters), "--gold", str(gold), "--test-gold", str(heldout), "--dev-size", "2"]
    args += ["--train", str(out / "train.spacy"), "--dev", str(out / "dev.spacy"), "--test", str(out / "test.spacy"), "--splits", str(out / "splits.json")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "leak-free" in result.output
    splits = srsly.read_json(out / "splits.json")
    assert splits["test"] == ["CM16-0219557"] and "SYN-2013-01" in splits["dev"] and len(splits["dev"]) == 2
    assert set(splits["train"]) == set(ids) - set(splits["dev"]) - {"CM16-0219557"}
    nlp = spacy.blank("en")
    train = list(DocBin().from_disk(out / "train.spacy").get_docs(nlp.vocab))
    assert {d.user_data["imr_id"] for d in train} == set(splits["train"])
    for block in train:
        text = (letters / f"{block.user_data['imr_id']}.txt").read_text(encoding="utf8")
        assert text[block.user_data["imr_offset"] :].startswith(block.text)
        assert {e.label_ for e in block.ents} <= {"DRUG", "OUTCOME"}
        assert {s.label_ for s in block.spans[SPANCAT_KEY]} <= {"DRUG", "CRITERION"}
        assert set(block.spans) == {"imr", SPANCAT_KEY}
    dev = list(DocBin().from_disk(out / "dev.spacy").get_docs(nlp.vocab))
    assert sorted(d.user_data["imr_id"] for d in dev) == splits["dev"]
    assert all(d.user_data["imr_gold"]["id"] == d.user_data["imr_id"] for d in dev)
    (heldout / f"{splits['dev'][0]}.json").write_text("{}", encoding="utf8")  # a letter in gold and held-out gold
    assert runner.invoke(app, args).exit_code == 2


def test_make_corpus_weight_repeats_a_folders_train_blocks(tmp_path):
    """--weight FOLDER=N puts the blocks of that folder's train letters N times into the train split."""
    real, written, gold, heldout, out = (tmp_path / name for name in ("real", "written", "gold", "heldout", "out"))
    for folder in (real, written, gold, heldout):
        folder.mkdir()
    for folder, letter_id in ((real, "CM16-0221706"), (written, "CM16-0219557"), (written, "SYN-2013-01")):
        (folder / f"{letter_id}.txt").write_text(letter_path(letter_id).read_text(encoding="utf8"), encoding="utf8")
    (gold / "SYN-2013-01.json").write_text((ROOT / "corpus" / "gold" / "SYN-2013-01.json").read_text(encoding="utf8"), encoding="utf8")
    args = ["make-corpus", str(real), str(written), "--gold", str(gold), "--test-gold", str(heldout), "--dev-size", "1"]
    args += ["--train", str(out / "train.spacy"), "--dev", str(out / "dev.spacy"), "--test", str(out / "test.spacy"), "--splits", str(out / "splits.json")]
    nlp = spacy.blank("en")

    def train_ids(*extra):
        result = runner.invoke(app, args + list(extra))
        assert result.exit_code == 0, result.output
        return Counter(d.user_data["imr_id"] for d in DocBin().from_disk(out / "train.spacy").get_docs(nlp.vocab))

    once = train_ids()
    assert set(once) == {"CM16-0221706", "CM16-0219557"}
    weighted = train_ids("--weight", f"{real}=3")
    assert weighted == Counter({"CM16-0221706": 3 * once["CM16-0221706"], "CM16-0219557": once["CM16-0219557"]})
    for bad in (f"{real}=0", f"{real}=two", "no-such-folder=2", "3"):
        result = runner.invoke(app, args + ["--weight", bad])
        assert result.exit_code == 2 and "--weight" in result.output


def readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    region = readme.split("<!-- compare:start", 1)[1].split("-->\n", 1)[1]
    return region.split("<!-- compare:end -->", 1)[0]


def test_committed_scores_are_the_documented_tables():
    """README.md and docs/training.md show what `python -m weasel run all` prints from metrics/compare.json."""
    results = srsly.read_json(ROOT / "metrics" / "compare.json")
    assert list(results) == ["dev", "test"]
    for split in ("dev", "test"):
        assert list(results[split]["pipelines"]) == ["imr_pipeline", "ner", "spancat", "imr_hybrid"]
    assert readme_table() == format_summary(results) + "\n"
    result = runner.invoke(app, ["compare", "--table", str(ROOT / "metrics" / "compare.json")])
    assert result.exit_code == 0 and result.output == readme_table()
    docs = (ROOT / "docs" / "training.md").read_text(encoding="utf8")
    assert readme_table() in docs
    tables = docs.split("<!-- compare:begin -->\n```text\n", 1)[1].split("\n```\n<!-- compare:end -->", 1)[0]
    assert tables == format_splits(results)
