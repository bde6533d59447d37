"""The pairs of the `overlap` step (see overlap.py for the method): set-based SQL over integer ids.

Every statement works on small integers: one per application (numbered in (organisation, app_id)
order, so the smaller number is the smaller id) and one per (organisation, capability key) block.
Joining on a body's text keys instead lets the planner join a whole body's rows with each other.

The word overlap of a pair is counted from one row per (application, distinct word), with the
words numbered, and only for applications that are in a pair: about 40% of them at 100k. The
evidence (JSON, ids as text) is built only for the pairs strong enough to be kept.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from appconsol.analyses.settings import fetch_frame

# Words that say nothing about what an application does.
TEXT_STOPWORDS = (
    *("the", "and", "for", "with", "from", "into", "its", "our", "via", "per", "all", "any", "not", "new"),
    *("system", "systems", "application", "applications", "app", "apps", "software", "service", "services"),
    *("team", "supplier", "product", "built", "supported", "house", "used", "use", "uses", "using"),
    *("management", "council", "trust", "data", "tool", "tools", "online", "web", "portal", "platform"),
)
WEIGHTS = {"capability": 0.7, "text": 0.2, "vendor": 0.1}
TEMP_TABLES = ("_ov_worded", "_ov_blocked", "_ov_ids", "_ov_keyed", "_ov_counts", "_ov_scored", "_ov_many")
TEMP_TABLES += ("_ov_papps", "_ov_tokens", "_ov_words", "_ov_common", "_ov_pairs")


def within_pairs(con: Any, settings: dict[str, Any]) -> pl.DataFrame:
    """Score every pair of live applications of one body sharing a non-generic capability key.

    Reads `_ov_caps` and `_ov_block` (overlap.py). The pairs at or above the smaller of
    `pair_min_similarity` and `min_similarity` stay in DuckDB (`_ov_pairs`, with the two
    applications' numbers `a` and `b`, whose order is that of (organisation, app_a, app_b)); those
    strong enough to cluster come back.
    """
    _number(con)
    _score_capabilities(con, float(settings["different_wording_weight"]))
    _count_words(con)
    keep = min(float(settings["pair_min_similarity"]), float(settings["min_similarity"]))
    _score_pairs(con, keep)
    return fetch_frame(
        con,
        "SELECT organisation, app_a, app_b, similarity, keys FROM _ov_pairs WHERE similarity >= $min ORDER BY a, b",
        {"min": float(settings["min_similarity"])},
    )


def _number(con: Any) -> None:
    """`_ov_ids`: an integer per application with a non-generic key; `_ov_keyed`: those keys."""
    # An application's key worded more than one way (rare) keeps all its wordings in a list.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_worded AS
        SELECT m.organisation, m.app_id, coalesce(m.code, 'label:' || m.label_key) AS cap_key,
               list_sort(list_distinct(list(m.label_key))) AS labels
        FROM app_capability_codes m
        SEMI JOIN (SELECT organisation, app_id FROM _ov_caps WHERE label <> label_max) c
            ON c.organisation = m.organisation AND c.app_id = m.app_id
        WHERE m.label_key IS NOT NULL AND m.label_key <> ''
        GROUP BY ALL
        """
    )
    # Two statements, each joining on one text key: given both joins at once, the planner joined
    # the blocks and the applications on the organisation alone.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_blocked AS
        SELECT c.organisation, c.app_id, b.block, b.apps, c.cap_key, c.label,
               CASE WHEN c.label <> c.label_max THEN w.labels END AS labels, c.conf
        FROM _ov_caps c
        JOIN _ov_block b ON b.organisation = c.organisation AND b.cap_key = c.cap_key
        LEFT JOIN _ov_worded w ON w.organisation = c.organisation AND w.app_id = c.app_id AND w.cap_key = c.cap_key
        WHERE NOT b.generic
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ov_ids AS "
        "SELECT organisation, app_id, row_number() OVER (ORDER BY organisation, app_id) AS app "
        "FROM (SELECT DISTINCT organisation, app_id FROM _ov_blocked)"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_keyed AS
        SELECT i.app, k.block, k.apps, k.cap_key, k.label, k.labels, k.conf
        FROM _ov_blocked k JOIN _ov_ids i ON i.organisation = k.organisation AND i.app_id = k.app_id
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ov_counts AS SELECT app, count(*) AS n FROM _ov_keyed GROUP BY ALL"
    )


def _score_capabilities(con: Any, wording: float) -> None:
    """`_ov_scored`: one row per pair sharing a block, with its shared keys and their evidence."""
    # Two applications word a key the same way when their wordings meet: with the usual single
    # wording on both sides, when the two are equal. A pair's keys are its smallest and largest,
    # but for the few pairs sharing more than two (`_ov_many`).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_scored AS
        WITH caps AS (SELECT app, block, cap_key, label, labels, conf FROM _ov_keyed WHERE apps > 1),
        shared AS (
            SELECT a.app AS app_a, b.app AS app_b, a.cap_key,
                   CASE WHEN a.labels IS NULL AND b.labels IS NULL THEN a.label = b.label
                        ELSE list_has_any(coalesce(a.labels, [a.label]), coalesce(b.labels, [b.label]))
                   END AS same_wording,
                   least(a.conf, b.conf) AS conf
            FROM caps a JOIN caps b ON a.block = b.block
            WHERE a.app < b.app  -- ids follow (organisation, app_id), so app_a is the smaller id
        )
        SELECT app_a, app_b, count(*) AS shared,
               sum(CASE WHEN same_wording THEN 1.0 ELSE $wording * conf END) AS weight,
               min(cap_key) AS key_min, max(cap_key) AS key_max,
               count(*) FILTER (WHERE same_wording) AS same_wording
        FROM shared GROUP BY ALL
        """,
        {"wording": wording},
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_many AS
        SELECT p.app_a, p.app_b, list_sort(list(a.cap_key)) AS keys
        FROM (SELECT app_a, app_b FROM _ov_scored WHERE shared > 2) p
        JOIN _ov_keyed a ON a.app = p.app_a
        JOIN _ov_keyed b ON b.app = p.app_b AND b.block = a.block
        GROUP BY ALL
        """
    )


def _count_words(con: Any) -> None:
    """`_ov_words`: each paired application's word count and vendor; `_ov_common`: words per pair."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ov_papps AS "
        "SELECT i.* FROM (SELECT app_a AS app FROM _ov_scored UNION SELECT app_b FROM _ov_scored) p "
        "JOIN _ov_ids i ON i.app = p.app"
    )
    # The distinct words of the name and description, lower-cased, split on anything but a-z0-9,
    # longer than two letters and not a stop word.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_tokens AS
        SELECT DISTINCT app, word FROM (
            SELECT p.app, unnest(regexp_split_to_array(
                       lower(coalesce(a.name, '') || ' ' || coalesce(a.description, '')), '[^a-z0-9]+')) AS word
            FROM _ov_papps p JOIN applications a ON a.organisation = p.organisation AND a.app_id = p.app_id
        )
        WHERE length(word) > 2 AND NOT list_contains($stopwords, word)
        """,
        {"stopwords": list(TEXT_STOPWORDS)},
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_words AS
        SELECT p.app, coalesce(t.n, 0) AS n_words,
               CASE WHEN k.vendor_key IS NULL OR k.vendor_key = 'in-house' THEN NULL ELSE k.vendor_key END
                   AS vendor_key
        FROM _ov_papps p
        LEFT JOIN product_keys k ON k.organisation = p.organisation AND k.app_id = p.app_id
        LEFT JOIN (SELECT app, count(*) AS n FROM _ov_tokens GROUP BY ALL) t ON t.app = p.app
        """
    )
    # A pair's common words: each word of A (numbered) looked up among B's by one integer key.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_common AS
        WITH numbered AS (SELECT word, row_number() OVER () AS wid FROM (SELECT DISTINCT word FROM _ov_tokens)),
        words AS (
            SELECT t.app, n.wid, t.app * 4294967296 + n.wid AS app_word
            FROM _ov_tokens t JOIN numbered n ON n.word = t.word
        )
        SELECT p.app_a, p.app_b, count(*) AS common
        FROM _ov_scored p
        JOIN words wa ON wa.app = p.app_a
        JOIN words wb ON wb.app_word = p.app_b * 4294967296 + wa.wid
        GROUP BY ALL
        """
    )


def _score_pairs(con: Any, keep: float) -> None:
    """`_ov_pairs`: similarity and evidence of the pairs at or above `keep`."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_pairs AS
        WITH scored AS (
            -- Each application's words are distinct, so |A or B| = |A| + |B| - |A and B|.
            SELECT p.*, na.n AS n_a, nb.n AS n_b,
                   greatest(p.weight / na.n, p.weight / nb.n) AS capability_score,
                   coalesce(c.common, 0) AS common_words,
                   wa.n_words + wb.n_words AS all_words,
                   coalesce(wa.vendor_key = wb.vendor_key, false) AS same_vendor
            FROM _ov_scored p
            JOIN _ov_counts na ON na.app = p.app_a
            JOIN _ov_counts nb ON nb.app = p.app_b
            JOIN _ov_words wa ON wa.app = p.app_a
            JOIN _ov_words wb ON wb.app = p.app_b
            LEFT JOIN _ov_common c ON c.app_a = p.app_a AND c.app_b = p.app_b
        ),
        texted AS (
            SELECT *, CASE WHEN all_words = 0 THEN 0.0
                           ELSE common_words / (all_words - common_words) END AS text_score
            FROM scored
        ),
        similarity AS (
            SELECT *, round(least(1.0, $w_cap * capability_score + $w_text * text_score
                            + $w_vendor * same_vendor::INTEGER), 4) AS similarity
            FROM texted
        ),
        kept AS (
            SELECT s.*, CASE s.shared WHEN 1 THEN [key_min] WHEN 2 THEN [key_min, key_max] ELSE m.keys END AS keys
            FROM similarity s LEFT JOIN _ov_many m ON m.app_a = s.app_a AND m.app_b = s.app_b
            WHERE similarity >= $keep
        )
        SELECT ia.organisation, ia.app_id AS app_a, ib.app_id AS app_b,
               CAST(shared AS INTEGER) AS shared_capabilities,
               round(shared / n_a, 4) AS share_of_a, round(shared / n_b, 4) AS share_of_b,
               similarity,
               json_object('shared', keys, 'same_wording', same_wording,
                           'capability_score', round(capability_score, 4), 'word_overlap', round(text_score, 4),
                           'same_vendor', same_vendor) AS evidence,
               keys, t.app_a AS a, t.app_b AS b
        FROM kept t JOIN _ov_ids ia ON ia.app = t.app_a JOIN _ov_ids ib ON ib.app = t.app_b
        """,
        {
            "w_cap": WEIGHTS["capability"],
            "w_text": WEIGHTS["text"],
            "w_vendor": WEIGHTS["vendor"],
            "keep": keep,
        },
    )
