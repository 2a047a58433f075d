"""A tokenizer for IMR letters, registered as `imr.Tokenizer.v1`.

It extends the language's default rules so that the shapes these letters are
made of come out as useful tokens:

- `Page(s):` and `Section(s):` -> `Page(s)` `:`
- `74-80;113` -> `74` `-` `80` `;` `113`; `47-48,Chronic` -> ... `48` `,` `Chronic`
- `#90` -> `#` `90`; `10/325mg` -> `10/325` `mg`; `5%/Amitriptyline` -> `5` `%` `/` `Amitriptyline`
- case numbers `CM16-0213037` and dates `10-13-16`, `2/3/11` stay whole.

It also primes spaCy's tokenizer cache piece by piece (`IMRTokenizer.prime_cache`):
spaCy caches the tokens of a whitespace-delimited piece only until the first
special case of a text (a tokenizer exception such as "Dr." or "'s"; see
`Tokenizer._save_cached` and spaCy issue #1250), so in a letter most pieces
were tokenized afresh every time. Each piece not seen before is tokenized on
its own first, which caches it; the letter's tokens are the same (a piece's
tokens do not depend on its neighbours) and it is tokenized ~5x faster.
"""

import re
from typing import Callable, List, Optional, Set

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

from .layout import remember_text

# Whole tokens that must never be split by the affix rules.
# Whole tokens that must never be split by the affix rules: Page(s), Section(s), ...;
# IMR case numbers; dates 10-13-16, 2/3/11, 11/18/2016. (No regex flags: spaCy
# serialises only the pattern string, so flags would be lost by to_disk.)
TOKEN_MATCH = re.compile(r"^(?:[A-Za-z]+\(s\)|CM\d{2}-\d{5,8}|\d{1,2}[-/]\d{1,2}[-/](?:\d{4}|\d{2}))$")

EXTRA_INFIXES = [
    r"(?<=[0-9])[;](?=[0-9A-Za-z])",  # 80;113
    r"(?<=[0-9]),(?=[A-Za-z])",  # 48,Chronic
    r"(?<=[0-9]),(?=[0-9]{1,2}(?![0-9]))",  # 88,89 but not 1,000
    r"(?<=[A-Za-z]),(?=[0-9])",  # Chapter,3
    r"(?<=%)[/-](?=[A-Za-z0-9.])",  # 5%/Amitriptyline, 4%-27.5%
]

EXTRA_PREFIXES = [r"#"]
EXTRA_SUFFIXES = [r"(?<=[0-9])(?:mg|mcg|ml|g|%)(?=$)"]


@registry.tokenizers("imr.Tokenizer.v1")
def create_imr_tokenizer() -> Callable[[Language], Tokenizer]:
    """Registered tokenizer factory: the language defaults plus IMR letter rules."""

    def imr_tokenizer_factory(nlp: Language) -> Tokenizer:
        return build_tokenizer(nlp)

    return imr_tokenizer_factory


# A run of punctuation with no space in it ("________", ",,,,,,", "=-=-=-"): spaCy's affix
# rules peel such a run one character at a time, re-searching the rest each time, which
# is quadratic (20,000 commas: 90 s). A run this long is one token instead.
PUNCTUATION_RUN_LENGTH = 32
PUNCTUATION_RUN_RE = re.compile(r"[^\sA-Za-z0-9]{%d,}" % PUNCTUATION_RUN_LENGTH)
# The pieces spaCy's tokenizer looks up in its cache: runs of non-space and of space
# characters (a space run after a word without its first " ", which only marks the
# word's trailing space).
PIECE_RE = re.compile(r"\S+|\s+")
# Pieces primed before the cache is emptied and priming starts again, so that an
# archive of unique numbers and names does not grow the cache without bound.
PRIMED_LIMIT = 200_000


class IMRTokenizer(Tokenizer):
    """spaCy's `Tokenizer` that keeps long punctuation runs whole (linear time) and
    remembers each Doc's text, so components read it with `layout.doc_text`
    instead of re-joining every token."""

    _primed: Optional[Set[str]] = None

    def __call__(self, text: str) -> Doc:
        self.prime_cache(text)
        runs = list(PUNCTUATION_RUN_RE.finditer(text)) if len(text) >= PUNCTUATION_RUN_LENGTH else []
        doc = self.tokenize_around(text, runs) if runs else super().__call__(text)
        remember_text(doc, text)
        return doc

    def tokenize_around(self, text: str, runs: List[re.Match]) -> Doc:
        """Tokenize the text between the runs as usual; each run is one token."""
        words: List[str] = []
        spaces: List[bool] = []
        position = 0
        for run in runs:
            self.add_tokens(text[position : run.start()], words, spaces)
            words.append(run.group())
            spaces.append(text[run.end() : run.end() + 1] == " ")
            position = run.end() + int(spaces[-1])
        self.add_tokens(text[position:], words, spaces)
        return Doc(self.vocab, words=words, spaces=spaces)

    def prime_cache(self, text: str) -> None:
        """Tokenize each piece of `text` that was not primed before on its own, so
        that spaCy caches its tokens."""
        primed = self.primed
        tokenize = Tokenizer.__call__
        for piece in PIECE_RE.findall(text):
            if piece[0] == " ":
                piece = piece[1:]
            if piece and piece not in primed:
                primed.add(piece)
                if len(piece) < PUNCTUATION_RUN_LENGTH or not PUNCTUATION_RUN_RE.search(piece):
                    tokenize(self, piece)  # a piece with a punctuation run is never looked up whole
        if len(primed) > PRIMED_LIMIT:
            self._flush_cache()

    @property
    def primed(self) -> Set[str]:
        """The pieces primed since the cache was last emptied."""
        if self._primed is None:
            self._primed = set()
        return self._primed

    def _flush_cache(self) -> None:
        """Empty spaCy's cache (spaCy does when a rule changes) and the primed pieces with it."""
        self._primed = None
        super()._flush_cache()

    def add_tokens(self, piece: str, words: List[str], spaces: List[bool]) -> None:
        if piece:
            for token in super().__call__(piece):
                words.append(token.text)
                spaces.append(bool(token.whitespace_))


def build_tokenizer(nlp: Language) -> Tokenizer:
    """Build the IMR tokenizer for `nlp`'s vocab and language defaults."""
    defaults = nlp.Defaults
    prefixes = list(defaults.prefixes) + EXTRA_PREFIXES
    suffixes = list(defaults.suffixes) + EXTRA_SUFFIXES
    infixes = list(defaults.infixes) + EXTRA_INFIXES
    return IMRTokenizer(
        nlp.vocab,
        rules=dict(defaults.tokenizer_exceptions),
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=TOKEN_MATCH.match,
        url_match=defaults.url_match,
    )
