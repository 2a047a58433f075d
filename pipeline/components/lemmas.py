"""Criterion keys: a criterion's text reduced to its content lemmas.

`criterion_key("No documented functional improvements.")` gives
"document functional improvement": inflection, case, stop words and
punctuation go, word order stays, so "red flags" and "red flag" both give
"red flag". Keys group the criteria that the rules leave without a category
(the report's criteria tables, the export's `criteria.key` column).

Lemmas come from spaCy's English lookup table (`lemma_lookup` in
`spacy-lookups-data`), stop words from `spacy.lang.en.stop_words`. Both are
loaded once, on first use, so importing this module costs nothing. Words are
found with one regex (no spaCy tokenizer), and keys are cached.
"""
import re
from functools import lru_cache
from typing import Callable, Collection, Dict, List, Optional

# Letters and digits; hyphens, slashes and apostrophes split words.
WORD_RE = re.compile(r"[^\W_]+")
# English clitics, removed before splitting: "patient's" -> "patient", "doesn't" -> "does".
CLITIC_RE = re.compile(r"['\u2019](?:s|d|ll|m|re|ve)\b|n['\u2019]t\b", re.IGNORECASE)
KEY_CACHE_SIZE = 2**16
WORD_CACHE_SIZE = 2**17


class CriterionKeys:
    """Map a criterion text to its key: lower-case lookup lemmas of its words,
    stop words (determiners included) and punctuation dropped, in text order.

    lemmas: a word -> lemma lookup (`dict` or spaCy `Table`), for lower-case words.
    stop_words: lower-case words to drop (checked on the word and on its lemma).
    """

    def __init__(self, lemmas: Dict[str, str], stop_words: Collection[str]) -> None:
        self.lemmas = lemmas
        self.stop_words = frozenset(stop_words)
        self.key: Callable[[str], str] = lru_cache(maxsize=KEY_CACHE_SIZE)(self._key)
        self.word_lemmas: Dict[str, str] = {}  # word -> lemma, "" for a stop word

    def __call__(self, text: Optional[str]) -> str:
        """The key of `text` ("" when it has no content word)."""
        return self.key(text) if text else ""

    def _key(self, text: str) -> str:
        return " ".join(self.words(text))

    def words(self, text: str) -> List[str]:
        """The content lemmas of `text`, in order."""
        lemmas = []
        for word in WORD_RE.findall(CLITIC_RE.sub(" ", text.lower())):
            lemma = self.word_lemmas.get(word)
            if lemma is None:
                if len(self.word_lemmas) >= WORD_CACHE_SIZE:
                    self.word_lemmas.clear()
                lemma = self.word_lemmas[word] = self.lemma(word)
            if lemma:
                lemmas.append(lemma)
        return lemmas

    def lemma(self, word: str) -> str:
        """The lower-case lemma of a lower-case word, "" for a stop word."""
        if word in self.stop_words:
            return ""
        lemma = self.lemmas.get(word, word).lower()
        return "" if lemma in self.stop_words else lemma


@lru_cache(maxsize=1)
def load_criterion_keys() -> CriterionKeys:
    """The English `CriterionKeys`, loaded once (spaCy's lemma lookup table and stop words)."""
    from spacy.lang.en.stop_words import STOP_WORDS
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    return CriterionKeys(table, STOP_WORDS)


def criterion_key(text: Optional[str]) -> str:
    """The grouping key of a criterion text, e.g. "red flags" -> "red flag"."""
    return load_criterion_keys()(text)
