"""`fold` works word by word with a cache; it must give exactly what folding the whole text gives."""

from __future__ import annotations

import random

import pytest

from appconsol.reference.names import fold, fold_text

# Characters that test each folding step at a word's edge: marks, possessives, stray dots,
# ampersands, compatibility forms, and whitespace that plain-space splitting leaves inside a word.
PIECES = [
    *"abcXYZ019 .&+'s-()[]rtmc,/_\t\n",
    *("(r)", "(tm)", "'s", "\u00a0", "\u2028", "\u1680", "\u0085", "\u3000", "\u00a8", "\u0301"),
    *("é", "É", "ﬃ", "²", "½", "＆", "ß", "İ", "ǅ", "\u200b", "..", "8.x", "10.6", "v2", "Ω", "\x1c", "  "),
]


@pytest.mark.parametrize(
    "text",
    [
        "Civica UK Limited",
        "Adults' / Children's Services",
        "  SQL   Server 2016 (R) ",
        "Care\u00a0Flow \u2028 EPR",
        "Office\u1680365",
        "v10.6 . .5 10. 5",
        "A&E + R&D",
        "",
        " ",
    ],
)
def test_fold_by_words_equals_fold_of_the_whole_text(text):
    assert fold(text) == fold_text(text)


def test_fold_by_words_equals_fold_of_the_whole_text_on_random_texts():
    rng = random.Random(14)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    assert [fold(t) for t in texts] == [fold_text(t) for t in texts]
