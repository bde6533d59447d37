"""The overlap pairs, computed set-based on integer ids, equal the straightforward per-pair SQL.

The reference below is the pair query as it was before the pairs were counted by joins (words
compared by `list_intersect`, wordings by `list_has_any`, every pair's keys listed), on random
portfolios: a few bodies, live and retired applications, keys worded one or several ways, shared
one, two or more at a time, generic keys, vendors and words with stop words and punctuation.
"""

from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appconsol.analyses.overlap import _prepare_capabilities
from appconsol.analyses.overlap_pairs import TEXT_STOPWORDS, WEIGHTS, within_pairs

WORDS = [
    "Housing",
    "housing",
    "rent",
    "HR",
    "payroll",
    "the",
    "system",
    "ab",
    "Café",
    "waste-2",
    "Gis",
    "gis",
]
CODES = [None, None, "lg.housing", "lg.waste", "corp.hr", "corp.finance"]
LABELS = ["housing", "housing management", "waste", "hr"]
VENDORS = [None, "in-house", "idox", "civica"]
LIVES = [None, "active", "active", "phase-out", "retired", "planned"]

app_rows = st.lists(
    st.tuples(
        st.sampled_from(["Avon", "Wessex"]),
        st.text(alphabet="aAb1-", min_size=1, max_size=3),
        st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join),
        st.one_of(st.none(), st.lists(st.sampled_from(WORDS), max_size=3).map(", ".join)),
        st.sampled_from(LIVES),
        st.sampled_from(VENDORS),
        st.lists(
            st.tuples(
                st.sampled_from(CODES),
                st.sampled_from(LABELS),
                st.one_of(st.none(), st.sampled_from([0.5, 0.75, 0.9, 1.0])),
            ),
            min_size=1,
            max_size=6,
        ),
    ),
    min_size=2,
    max_size=16,
    unique_by=lambda r: (r[0], r[1]),
)
options = st.fixed_dictionaries(
    {
        "different_wording_weight": st.sampled_from([0.0, 0.5, 1.0]),
        "max_block_apps": st.integers(2, 6),
        "pair_min_similarity": st.sampled_from([0.0, 0.3, 0.5]),
        "min_similarity": st.sampled_from([0.2, 0.6]),
    }
)


def _portfolio(rows: list) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE applications (organisation VARCHAR, app_id VARCHAR, name VARCHAR, description VARCHAR, "
        "lifecycle VARCHAR)"
    )
    con.execute(
        "CREATE VIEW v_applications AS SELECT *, "
        "(lifecycle IS NULL OR lifecycle IN ('phase-in', 'active', 'phase-out')) AS is_live FROM applications"
    )
    con.execute(
        "CREATE TABLE app_capability_codes (organisation VARCHAR, app_id VARCHAR, capability VARCHAR, "
        "code VARCHAR, name VARCHAR, confidence DOUBLE, label_key VARCHAR)"
    )
    con.execute("CREATE TABLE product_keys (organisation VARCHAR, app_id VARCHAR, vendor_key VARCHAR)")
    for org, app_id, name, description, lifecycle, vendor, capabilities in rows:
        con.execute(
            "INSERT INTO applications VALUES (?, ?, ?, ?, ?)", [org, app_id, name, description, lifecycle]
        )
        con.execute("INSERT INTO product_keys VALUES (?, ?, ?)", [org, app_id, vendor])
        for code, label, confidence in capabilities:
            con.execute(
                "INSERT INTO app_capability_codes VALUES (?, ?, ?, ?, ?, ?, ?)",
                [org, app_id, label.title(), code, code and code.upper(), confidence, label],
            )
    return con


def _reference(con: duckdb.DuckDBPyConnection, options: dict) -> list[tuple]:
    """Every pair of one body sharing a non-generic key, scored pair by pair."""
    con.execute(
        """
        CREATE TEMP TABLE r_caps AS
        SELECT m.organisation, m.app_id, coalesce(m.code, 'label:' || m.label_key) AS cap_key,
               list_sort(list_distinct(list(m.label_key))) AS labels, max(coalesce(m.confidence, 1.0)) AS conf
        FROM app_capability_codes m
        JOIN v_applications a ON a.organisation = m.organisation AND a.app_id = m.app_id
        WHERE a.is_live AND m.label_key IS NOT NULL AND m.label_key <> ''
        GROUP BY ALL
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE r_caps2 AS
        SELECT *, count(*) OVER (PARTITION BY organisation, cap_key) > $max_block AS generic FROM r_caps
        """,
        {"max_block": options["max_block_apps"]},
    )
    con.execute(
        """
        CREATE TEMP TABLE r_words AS
        SELECT a.organisation, a.app_id,
               list_sort(list_distinct(list_filter(
                   regexp_split_to_array(lower(coalesce(a.name, '') || ' ' || coalesce(a.description, '')),
                                         '[^a-z0-9]+'),
                   lambda t: length(t) > 2 AND NOT list_contains($stopwords, t)))) AS words,
               CASE WHEN k.vendor_key IS NULL OR k.vendor_key = 'in-house' THEN NULL ELSE k.vendor_key END
                   AS vendor_key
        FROM v_applications a
        LEFT JOIN product_keys k ON k.organisation = a.organisation AND k.app_id = a.app_id
        WHERE a.is_live
        """,
        {"stopwords": list(TEXT_STOPWORDS)},
    )
    return con.execute(
        """
        WITH caps AS (SELECT * FROM r_caps2 WHERE NOT generic),
        counts AS (SELECT organisation, app_id, count(*) AS n FROM caps GROUP BY ALL),
        shared AS (
            SELECT a.organisation, a.app_id AS app_a, b.app_id AS app_b, a.cap_key,
                   list_has_any(a.labels, b.labels) AS same_wording, least(a.conf, b.conf) AS conf
            FROM caps a JOIN caps b
              ON a.organisation = b.organisation AND a.cap_key = b.cap_key AND a.app_id < b.app_id
        ),
        pairs AS (
            SELECT organisation, app_a, app_b, count(*) AS shared,
                   sum(CASE WHEN same_wording THEN 1.0 ELSE $wording * conf END) AS weight,
                   list(cap_key ORDER BY cap_key) AS keys, count(*) FILTER (WHERE same_wording) AS same_wording
            FROM shared GROUP BY ALL
        ),
        scored AS (
            SELECT p.*, na.n AS n_a, nb.n AS n_b,
                   greatest(p.weight / na.n, p.weight / nb.n) AS capability_score,
                   len(list_intersect(wa.words, wb.words)) AS common_words,
                   len(wa.words) + len(wb.words) AS all_words,
                   coalesce(wa.vendor_key = wb.vendor_key, false) AS same_vendor
            FROM pairs p
            JOIN counts na ON na.organisation = p.organisation AND na.app_id = p.app_a
            JOIN counts nb ON nb.organisation = p.organisation AND nb.app_id = p.app_b
            JOIN r_words wa ON wa.organisation = p.organisation AND wa.app_id = p.app_a
            JOIN r_words wb ON wb.organisation = p.organisation AND wb.app_id = p.app_b
        ),
        texted AS (
            SELECT *, CASE WHEN all_words = 0 THEN 0.0
                           ELSE common_words / (all_words - common_words) END AS text_score
            FROM scored
        ),
        out AS (
            SELECT organisation, app_a, app_b, CAST(shared AS INTEGER) AS shared_capabilities,
                   round(shared / n_a, 4) AS share_of_a, round(shared / n_b, 4) AS share_of_b,
                   round(least(1.0, $w_cap * capability_score + $w_text * text_score
                         + $w_vendor * same_vendor::INTEGER), 4) AS similarity,
                   json_object('shared', keys, 'same_wording', same_wording,
                               'capability_score', round(capability_score, 4),
                               'word_overlap', round(text_score, 4), 'same_vendor', same_vendor)::VARCHAR
                       AS evidence,
                   keys
            FROM texted
        )
        SELECT * FROM out WHERE similarity >= $keep ORDER BY organisation, app_a, app_b
        """,
        {
            "wording": float(options["different_wording_weight"]),
            "w_cap": WEIGHTS["capability"],
            "w_text": WEIGHTS["text"],
            "w_vendor": WEIGHTS["vendor"],
            "keep": min(options["pair_min_similarity"], options["min_similarity"]),
        },
    ).fetchall()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=app_rows, options=options)
def test_pairs_equal_the_pair_by_pair_reference(rows, options):
    con = _portfolio(rows)
    expected = _reference(con, options)
    _prepare_capabilities(con, options)
    strong = within_pairs(con, options)
    got = con.execute(
        "SELECT organisation, app_a, app_b, shared_capabilities, share_of_a, share_of_b, similarity, "
        "evidence::VARCHAR, keys FROM _ov_pairs ORDER BY a, b"
    ).fetchall()
    assert got == expected
    assert strong.rows() == [
        (o, a, b, s, k) for o, a, b, _n, _sa, _sb, s, _e, k in expected if s >= options["min_similarity"]
    ]
