"""A product text split into its folded parts, each distinct piece folded and judged once.

Part of `appconsol.reference.products` (ProductResolver.resolve): "Keystone (Civica) 5.2 - Housing"
is the name "keystone 5.2", a part after a dash ("housing") and one in brackets ("civica", which
names the vendor and so is set aside). A portfolio's names repeat their pieces (a product and the
purposes it serves, the vendors in brackets), so each distinct piece is folded, tokenised and
checked for a vendor once: this is where most of the resolver's time went.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from appconsol.reference.names import filter_tokens, fold, is_version, split_brackets

AMPERSAND_INITIALS = re.compile(r"\b([A-Za-z])\s*&\s*([A-Za-z])\b")  # "B&R" -> "BR"
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
_MARKER = "zzdashzz"  # a word folding leaves alone, standing for a dash


@dataclass
class Parts:
    """A product text's folded parts: what names the product, and the vendor it names aside."""

    kept: list[str]
    inner_names: list[str]
    hint: str | None
    in_house: bool
    plain: bool = True


class ProductTexts:
    """Folded parts of product texts, with the caches that make a portfolio's texts cheap.

    `vendor_named(folded)` is the vendor a short text names (it changes as the resolver learns the
    portfolio's vendors: call `forget_vendors` then), `in_house(folded)` whether it says "in house".
    """

    def __init__(self, vendor_named: Callable[[str], str | None], in_house: Callable[[str], bool]):
        self._vendor_named = vendor_named
        self._in_house = in_house
        self._fold_cache: dict[str, str] = {}
        self._piece_cache: dict[str, tuple[list[str], tuple[str, ...]]] = {}
        self._aside_cache: dict[str, tuple[str | None, bool]] = {}

    def forget_vendors(self) -> None:
        self._aside_cache.clear()

    def parts(self, text: str) -> Parts:
        """The text folded, split at dashes and brackets; parts naming the vendor set aside."""
        outer, brackets = split_brackets(text) if "(" in text or "[" in text else (text, [])
        if "-" in outer or "\u2013" in outer or "\u2014" in outer:
            folded = self._dash_parts(outer)
        else:
            folded = [self.fold(outer)]
        inner = [self.fold(b) for b in brackets]
        parts = Parts([folded[0]], [], None, False)
        parts.plain = not brackets and len(folded) == 1
        for item in folded[1:]:  # "Keystone - Civica": the vendor after a dash
            found, in_house = self.aside(item)
            parts.in_house = parts.in_house or in_house
            parts.hint = parts.hint or found
            if not found:
                parts.kept.append(item)
        for item in inner:  # "Keystone (Civica)": the vendor in brackets
            found, in_house = self.aside(item)
            parts.in_house = parts.in_house or in_house
            parts.hint = parts.hint or found
            if not found and item:
                # A bracket may name the product ("Academy (Revenues)"), but one naming the vendor
                # is no product name ("Crystal Reports (SAP)" is not what "SAP" alone stands for).
                parts.inner_names.append(" ".join(filter_tokens(item.split())))
        return parts

    def fold(self, text: str) -> str:
        """`fold`, once per distinct text: a portfolio's names repeat their parts many times over."""
        folded = self._fold_cache.get(text)
        if folded is None:
            folded = self._fold_cache[text] = fold(text)
        return folded

    def _dash_parts(self, outer: str) -> list[str]:
        """The text folded and split at its dashes (" - "), each piece folded once per distinct piece.

        Folding works character by character, and the pieces meet only at spaces, so folding each
        piece gives what folding the whole text with a marker word at each dash gives.
        """
        folded = [self.fold(piece) for piece in _DASH.split(outer)]
        if _MARKER in "".join(folded):  # the text may hold the marker word itself
            folded = [p.strip() for p in fold(_DASH.sub(f" {_MARKER} ", outer)).split(_MARKER)]
        return folded

    def aside(self, folded: str) -> tuple[str | None, bool]:
        """(the vendor a part beside the name names, whether it says "in house"), once per part."""
        found = self._aside_cache.get(folded)
        if found is None:
            found = self._aside_cache[folded] = (
                self._vendor_named(folded),
                self._in_house(folded),
            )
        return found

    def tokens(self, kept: list[str]) -> tuple[list[str], tuple[str, ...]]:
        """The kept parts' tokens without versions and packaging words, and the versions among them."""
        if len(kept) == 1:
            return self.piece(kept[0])
        tokens: list[str] = []
        versions: tuple[str, ...] = ()
        for piece in kept:
            piece_tokens, piece_versions = self.piece(piece)
            tokens += piece_tokens
            versions += piece_versions
        return tokens, versions

    def piece(self, folded: str) -> tuple[list[str], tuple[str, ...]]:
        found = self._piece_cache.get(folded)
        if found is None:
            words = folded.split()
            found = self._piece_cache[folded] = (
                filter_tokens(words),
                tuple(t for t in words if t[:1].isdigit() and is_version(t)),
            )
        return list(found[0]), found[1]
