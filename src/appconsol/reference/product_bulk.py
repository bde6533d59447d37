"""Product texts settled column-wise, the common shapes in polars and the rest left to the resolver.

Part of `appconsol.reference.products` (resolve_products). Exports often name no product, only the
application, as the product with its purpose after a dash ("Idox Plus - ICT Single Sign-On"): a
name of its own, whose key and label are its two pieces' tokens and words put together. A
portfolio holds far fewer distinct pieces than names, so each distinct piece is folded, tokenised
and judged once in Python (through the resolver's own caches) and each row is put together with
column expressions.

A row is settled here only where that provably gives what `ProductResolver.resolve` and
`cluster_block` give: a known vendor, printable ASCII text without brackets, exactly two
pieces with tokens in each, the second naming no vendor, no curated alias within reach of either
piece, no vendor name that could reach past the first piece, a last word the label keeps. The rest
goes through the resolver, and so does a settled name whose key another row turns out to hold
(`products.resolve_lookup` checks that). Rows naming no product, and the names of systems whose
vendor column says "in-house", are settled too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import polars as pl

from appconsol.reference.names import filter_tokens, fold, is_version, kept_words
from appconsol.reference.product_groups import version_suffix
from appconsol.reference.product_text import AMPERSAND_INITIALS

if TYPE_CHECKING:
    from appconsol.reference.products import ProductResolver

IN_HOUSE = "in-house"
SETTLED = {
    "_idx": pl.UInt32,
    "vendor_key": pl.String,
    "product_key": pl.String,
    "product_label": pl.String,
    "product_confidence": pl.Float64,
    "product_method": pl.String,
    "_core": pl.String,  # the core (tokens joined by spaces) of a settled name of its own
}
_ASCII = r"^[ -~]+$"  # printable ASCII: whitespace is the space alone, folding is plain
_DASH = " +- +"  # `product_text._DASH` on printable ASCII
_SEPARATOR = "\x00"
# What `_piece_table` judges of each word (typed: a column of a few words may hold only nulls).
_JUDGED = {
    "_w": pl.String,
    "folded": pl.String,
    "tok": pl.String,
    "ntok": pl.Int64,
    "vers": pl.String,
    "kept": pl.String,
    "zz": pl.Boolean,
    "suffix": pl.Boolean,
}


def settle(resolver: ProductResolver, distinct: pl.DataFrame) -> pl.DataFrame:
    """The rows of `distinct` (_idx, _vendor, _text) settled without the resolver, as SETTLED.

    The resolver must have learnt the portfolio's vendors (`products.learn_vendors`) first.
    """
    vendor_texts = distinct["_vendor"].unique().to_list()
    vendor_keys = []
    for text in vendor_texts:
        key = resolver.vendor(text)[0]
        vendor_keys.append(resolver.canonical.get(key, key) if key else key)
    vendors = pl.DataFrame(
        {"_vendor": vendor_texts, "_vk": vendor_keys}, schema={"_vendor": pl.String, "_vk": pl.String}
    )
    frame = distinct.join(vendors, on="_vendor", how="left", nulls_equal=True)
    text, vendor = pl.col("_text"), pl.col("_vk")
    plain = text.str.contains(_ASCII)
    no_product = frame.filter(text.is_null()).select(
        "_idx",
        vendor.alias("vendor_key"),
        pl.lit(None, pl.String).alias("product_key"),
        pl.lit(None, pl.String).alias("product_label"),
        pl.lit(0.0).alias("product_confidence"),
        pl.lit("no-product").alias("product_method"),
        pl.lit(None, pl.String).alias("_core"),
    )
    in_house = frame.filter((vendor == IN_HOUSE) & plain).select(
        "_idx",
        vendor.alias("vendor_key"),
        pl.lit(None, pl.String).alias("product_key"),
        text.str.replace_all(" +", " ").str.strip_chars(" ").alias("product_label"),
        pl.lit(1.0).alias("product_confidence"),
        pl.lit("in-house").alias("product_method"),
        pl.lit(None, pl.String).alias("_core"),
    )
    named = (
        frame.filter(vendor.is_not_null() & (vendor != IN_HOUSE) & plain & ~text.str.contains(r"[(\[]"))
        .with_columns(_pieces=_initials(text).str.replace_all(_DASH, _SEPARATOR).str.split(_SEPARATOR))
        .filter(pl.col("_pieces").list.len() == 2)
        .select(
            "_idx",
            "_vk",
            pl.col("_pieces").list.get(0).alias("_p0"),
            pl.col("_pieces").list.get(1).alias("_p1"),
        )
    )
    settled = [no_product, in_house, _names_of_their_own(resolver, named)]
    return pl.concat([f.cast(SETTLED) for f in settled]).sort("_idx")  # type: ignore[arg-type]


def _initials(text: pl.Expr) -> pl.Expr:
    """AMPERSAND_INITIALS ("B&R" -> "BR") on printable ASCII, where polars' regex reads it as Python's."""
    return (
        pl.when(text.str.contains("&", literal=True))
        .then(text.str.replace_all(AMPERSAND_INITIALS.pattern, "${1}${2}"))
        .otherwise(text)
    )


def _names_of_their_own(resolver: ProductResolver, named: pl.DataFrame) -> pl.DataFrame:
    """Keys and labels of two-piece names: "<tokens of both pieces>" and "<words> - <words>"."""
    if named.is_empty():
        return pl.DataFrame(schema=SETTLED)
    aliases = resolver.aliases
    curated_texts = pl.Series(list(aliases) + list(resolver.vendor_only), dtype=pl.String)
    # What `_curated`'s search by prefix takes: aliases that are no vendor's name, for a vendor they fit.
    prefixes = {a: k for a, k in aliases.items() if a not in resolver.vendors.aliases}
    reaching: dict[str, set[str]] = defaultdict(set)  # the first words of longer aliases -> their keys
    for alias, key in prefixes.items():
        words = alias.split()
        for n in range(1, len(words)):
            reaching[" ".join(words[:n])].add(key)

    def reaches_alias(tokens: list[str], vendor: str) -> bool:
        """Whether `_curated`'s search by prefix could find an alias in text starting with these tokens."""
        keys = {prefixes.get(" ".join(tokens[:n])) for n in range(1, len(tokens) + 1)} | reaching.get(
            " ".join(tokens), set()
        )
        return any(key and resolver.accepts(key, vendor) for key in keys)

    table = _piece_table(resolver, pl.concat([named["_p0"], named["_p1"]]).unique(), prefixes)
    first = table.select(pl.col("_p").alias("_p0"), tok0="tok", vers0="vers", kw0="kw", odd0="odd")
    second = table.rename({c: c + "1" for c in table.columns if c != "_p"} | {"_p": "_p1"})
    rows = named.join(first, on="_p0").join(second, on="_p1")

    # The vendor's name cut from the front of the first piece, once per (vendor, first piece).
    starts = rows.select("_vk", "tok0").unique()
    cut_columns: dict[str, list[object]] = {"core0": [], "suffix0": [], "odd_cut": []}
    for vendor, tok0 in starts.iter_rows():
        t0 = tuple(tok0.split())
        names = resolver.strip_names(vendor)
        # A longer name starting with the whole first piece could reach into the second.
        reaching_name = any(len(n) > len(t0) and n[: len(t0)] == t0 for n in names)
        cut = next((len(n) for n in names if len(n) <= len(t0) and t0[: len(n)] == n), 0)
        core0 = list(t0[cut:])
        cut_columns["core0"].append(" ".join(core0))
        cut_columns["suffix0"].append(resolver.suffix_words.issuperset(core0))
        cut_columns["odd_cut"].append(
            not t0
            or reaching_name
            or reaches_alias(list(t0), vendor)
            or (cut > 0 and bool(core0) and reaches_alias(core0, vendor))
        )
    cuts = starts.with_columns(
        pl.Series("core0", cut_columns["core0"], pl.String),
        pl.Series("suffix0", cut_columns["suffix0"], pl.Boolean),
        pl.Series("odd_cut", cut_columns["odd_cut"], pl.Boolean),
    )
    rows = rows.join(cuts, on=["_vk", "tok0"])
    vendor_words = pl.DataFrame(
        [(v, w) for v in rows["_vk"].unique().to_list() for w in sorted(resolver.vendor_words(v))],
        schema={"_vk": pl.String, "last1": pl.String},
        orient="row",
    ).with_columns(_cut_word=pl.lit(True))
    by_vendor = pl.Series(
        [f"{v}{_SEPARATOR}{c}" for v, cores in resolver.by_vendor.items() for c in cores], dtype=pl.String
    )
    whole = pl.concat_str([pl.col("tok0"), pl.col("tok1")], separator=" ")
    core = (
        pl.when(pl.col("core0") == "")
        .then(pl.col("tok1"))
        .otherwise(pl.concat_str([pl.col("core0"), pl.col("tok1")], separator=" "))
    )
    rows = (
        rows.join(vendor_words, on=["_vk", "last1"], how="left")
        .with_columns(_core=core, _whole=whole)
        .filter(
            (pl.col("ntok1") > 0)
            & ~pl.col("odd0")
            & ~pl.col("odd1")
            & ~pl.col("aside1")
            & ~(pl.col("suffix0") & pl.col("suffix1"))
            & ~pl.col("odd_cut")
            & ~((pl.col("core0") == "") & pl.col("prefix1"))
            & pl.col("last1").is_not_null()
            & (pl.col("last1") != "-")
            & pl.col("_cut_word").is_null()
            & ~pl.col("_whole").is_in(curated_texts.implode())
            & ~pl.col("_core").is_in(curated_texts.implode())
            & ~pl.concat_str([pl.col("_vk"), pl.col("_core")], separator=_SEPARATOR).is_in(
                by_vendor.implode()
            )
        )
    )
    ranges = rows.filter((pl.col("vers0") != "") | (pl.col("vers1") != "")).select("vers0", "vers1").unique()
    shown = [version_suffix((*v0.split(), *v1.split())) for v0, v1 in ranges.iter_rows()]
    ranges = ranges.with_columns(pl.Series("_shown", shown, pl.String))
    return rows.join(ranges, on=["vers0", "vers1"], how="left").select(
        "_idx",
        pl.col("_vk").alias("vendor_key"),
        pl.concat_str(
            [
                pl.col("_vk"),
                pl.col("_core")
                .str.replace_all(" ", "-", literal=True)
                .str.replace_all(".", "-", literal=True),
            ],
            separator="/",
        ).alias("product_key"),
        (
            pl.concat_str([pl.col("kw0"), pl.col("kw1")], separator=" - ").str.strip_chars(" -")
            + pl.col("_shown").fill_null("")
        ).alias("product_label"),
        pl.lit(0.85).alias("product_confidence"),
        pl.lit("normalised").alias("product_method"),
        "_core",
    )


def _piece_table(resolver: ProductResolver, pieces: pl.Series, prefixes: dict[str, str]) -> pl.DataFrame:
    """What `ProductTexts` makes of each piece, put together from its words (each judged once).

    Folding works word by word between spaces (`names.fold`), and tokens, versions and the words a
    label keeps are judged one by one, so a piece's are its words' in order: tok (tokens joined),
    ntok, vers (versions joined), kw (the label's words joined), last (the last of those, lower
    case), odd (its folded text holds "zz"), aside (it names a vendor: after a dash, set aside),
    suffix (every token a legal or descriptor suffix), prefix (an alias starts it, shorter than it).
    """
    exploded = (
        pl.DataFrame({"_p": pieces})
        .with_columns(_w=pl.col("_p").str.split(" "))
        .with_row_index("_n")
        .explode("_w")
    )
    words = exploded["_w"].unique().to_list()
    suffix = resolver.suffix_words
    judged: dict[str, list[object]] = {
        k: [] for k in ("folded", "tok", "ntok", "vers", "kept", "zz", "suffix")
    }
    for word in words:
        folded = fold(word)
        tokens = folded.split()
        kept = filter_tokens(tokens)
        judged["folded"].append(folded or None)
        judged["tok"].append(" ".join(kept) or None)
        judged["ntok"].append(len(kept))
        judged["vers"].append(" ".join(t for t in tokens if t[:1].isdigit() and is_version(t)) or None)
        judged["kept"].append(word if word and kept_words([word]) else None)
        judged["zz"].append("zz" in folded)
        judged["suffix"].append(suffix.issuperset(kept))
    table = (
        exploded.join(
            pl.DataFrame({"_w": words, **judged}, schema=_JUDGED), on="_w", how="left", maintain_order="left"
        )
        .group_by("_n", maintain_order=True)
        .agg(
            pl.col("_p").first(),
            pl.col("folded").drop_nulls().str.join(" "),
            pl.col("tok").drop_nulls().str.join(" "),
            pl.col("ntok").sum(),
            pl.col("vers").drop_nulls().str.join(" "),
            pl.col("kept").drop_nulls().str.join(" ").alias("kw"),
            pl.col("kept").drop_nulls().last().str.to_lowercase().alias("last"),
            pl.col("zz").any().alias("odd"),
            pl.col("suffix").all(),
        )
        .drop("_n")
    )
    # Only a piece whose first folded word starts a vendor's name can name one, and only one whose
    # first token starts an alias can start with one: those few are asked one by one.
    starts = pl.Series(sorted(resolver.vendor_starts()), dtype=pl.String).implode()
    alias_starts = pl.Series(sorted({a.split()[0] for a in prefixes if a}), dtype=pl.String).implode()
    ask_vendor = pl.col("folded").str.split(" ").list.first().is_in(starts)
    ask_alias = pl.col("tok").str.split(" ").list.first().is_in(alias_starts)
    asked = table.filter(ask_vendor | ask_alias)
    aside, prefix = [], []
    for folded, tok in asked.select("folded", "tok").iter_rows():
        aside.append(resolver.vendor_named(folded) is not None)
        tokens = tok.split()
        prefix.append(any(" ".join(tokens[:n]) in prefixes for n in range(1, len(tokens))))
    answers = asked.select("_p").with_columns(
        pl.Series("aside", aside, pl.Boolean), pl.Series("prefix", prefix, pl.Boolean)
    )
    return (
        table.join(answers, on="_p", how="left")
        .with_columns(pl.col("aside", "prefix").fill_null(False))
        .drop("folded")
    )
