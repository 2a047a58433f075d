"""Leak-free train / dev / test splits by letter, and their manifest (`corpus/splits.json`).

- test: the letters of the blind held-out gold (`corpus/gold_heldout`): scored,
  never trained on, never looked at for errors;
- dev: `dev_size` letters of the other gold (`corpus/gold`), for model
  selection and side-by-side scores: every letter that must stay out of the
  training data (`keep_out`: the synthetic 2013 letter), then, template by
  template, the letters with the lowest CRC-32 of their id, each template
  getting its share of `dev_size` (at least one letter, never every letter of
  a template that has more than one: the models then train on every template);
- train: every other letter (the rule pipeline's silver; the gold of these
  letters is not used for models).

A letter is in exactly one split; `check_disjoint` refuses any overlap. The
manifest is `{"train": [ids], "dev": [ids], "test": [ids]}`, each list sorted.
"""
import zlib
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

import srsly

SPLITS = ("train", "dev", "test")
DEV_SIZE = 30
KEEP_OUT_OF_TRAIN = ("SYN-2013-01",)


class SplitError(ValueError):
    """Splits that share letters, or a split that cannot be made."""


def crc(letter_id: str) -> int:
    return zlib.crc32(letter_id.encode("utf8"))


def choose_dev(
    gold_ids: Iterable[str], templates: Mapping[str, Optional[str]], size: int = DEV_SIZE, keep_out: Iterable[str] = KEEP_OUT_OF_TRAIN
) -> List[str]:
    """`size` gold letters: `keep_out` ones first, then each template's share by CRC-32 order."""
    pool = sorted(set(gold_ids), key=lambda i: (crc(i), i))
    forced = [i for i in pool if i in set(keep_out)]
    by_template: Dict[str, List[str]] = {}
    for letter_id in pool:
        by_template.setdefault(str(templates.get(letter_id)), []).append(letter_id)
    quota: Dict[str, int] = {}
    for template, ids in by_template.items():
        share = round(size * len(ids) / len(pool)) if pool else 0
        quota[template] = len(ids) if len(ids) == 1 else min(len(ids) - 1, max(1, share))
    for letter_id in forced:  # a forced letter counts towards its template's share
        template = str(templates.get(letter_id))
        quota[template] = max(quota[template], sum(1 for i in forced if str(templates.get(i)) == template))
    while sum(quota.values()) > size:  # trim the largest template first
        largest = max(quota, key=lambda t: (quota[t], t))
        if quota[largest] <= 1:
            break
        quota[largest] -= 1
    dev = list(forced)
    for template, ids in sorted(by_template.items()):
        taken = sum(1 for i in dev if str(templates.get(i)) == template)
        for letter_id in ids:
            if taken >= quota[template]:
                break
            if letter_id not in dev:
                dev.append(letter_id)
                taken += 1
    return sorted(dev)


def choose_splits(
    letter_ids: Iterable[str],
    gold_ids: Iterable[str],
    test_ids: Iterable[str],
    templates: Mapping[str, Optional[str]],
    dev_size: int = DEV_SIZE,
    keep_out: Iterable[str] = KEEP_OUT_OF_TRAIN,
) -> Dict[str, List[str]]:
    """{"train", "dev", "test"}: test = `test_ids`, dev from `gold_ids`, train = every other letter."""
    letters, gold, test = set(letter_ids), set(gold_ids), set(test_ids)
    both = gold & test
    if both:
        raise SplitError(f"letters in both the gold and the held-out gold: {', '.join(sorted(both))}")
    missing = (gold | test) - letters
    if missing:
        raise SplitError(f"gold letters whose text was not found: {', '.join(sorted(missing))}")
    dev = choose_dev(gold, templates, size=dev_size, keep_out=[i for i in keep_out if i in gold])
    splits = {"train": sorted(letters - test - set(dev)), "dev": dev, "test": sorted(test)}
    check_disjoint(splits)
    return splits


def check_disjoint(splits: Mapping[str, Sequence[str]]) -> None:
    """Raise SplitError when a letter is in two splits (or twice in one)."""
    seen: Dict[str, str] = {}
    for name in SPLITS:
        for letter_id in splits.get(name, []):
            if letter_id in seen:
                raise SplitError(f"letter {letter_id} is in both {seen[letter_id]} and {name}: splits must not overlap")
            seen[letter_id] = name


def write_manifest(path: Path, splits: Mapping[str, Sequence[str]]) -> None:
    check_disjoint(splits)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(path, {name: sorted(splits.get(name, [])) for name in SPLITS})


def read_manifest(path: Path) -> Dict[str, List[str]]:
    splits = srsly.read_json(path)
    check_disjoint(splits)
    return {name: list(splits.get(name, [])) for name in SPLITS}
