from __future__ import annotations

import duckdb
import pytest

from appconsol.engine.steps import duckdb_memory_at_most


def _limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_a_step_lowers_duckdbs_memory_limit_while_it_runs_and_puts_it_back():
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    before = _limit(con)
    with duckdb_memory_at_most(con, "1GB"):
        assert _limit(con) == "953.6 MiB"  # DuckDB's reading of 10^9 bytes
    assert _limit(con) == before


def test_a_limit_already_lower_is_never_raised():
    con = duckdb.connect()
    con.execute("SET memory_limit = '256MB'")
    before = _limit(con)
    with duckdb_memory_at_most(con, "1GB"):
        assert _limit(con) == before
    assert _limit(con) == before


def test_the_limit_is_put_back_when_the_step_fails():
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    before = _limit(con)
    with pytest.raises(RuntimeError), duckdb_memory_at_most(con, "512MB"):
        raise RuntimeError("step failed")
    assert _limit(con) == before
