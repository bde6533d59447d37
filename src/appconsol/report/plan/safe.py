"""Text from inventories made safe for a workbook, an XML part and a CSV file.

Inventory text is data, never code: in the workbook it is always an inline string cell (never a
formula, never a hyperlink, whatever it starts with); characters XML cannot hold (C0 controls
other than tab/LF/CR, U+FFFE, U+FFFF) are dropped, since one of them makes a file that some readers
refuse to open again; text longer than Excel's 32,767-character cell limit is cut with a marker;
and the sequence `_xHHHH_`, which Excel would decode as an escaped character, is itself escaped.

In CSV exports a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
single quote (OWASP's CSV injection guidance), so a spreadsheet opening the file shows the text
instead of evaluating it.
"""

from __future__ import annotations

import re

import polars as pl

EXCEL_CELL_LIMIT = 32_767
EXCEL_MAX_ROWS = 1_048_576
TRUNCATION_MARKER = " …[truncated]"

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The same class for polars' (Rust) regex engine.
XML_ILLEGAL_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_EXCEL_ESCAPE_RUST = r"_x([0-9A-Fa-f]{4})_"
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text as a cell may hold it: XML-illegal characters dropped, cut at Excel's limit with a marker."""
    text = _XML_ILLEGAL.sub("", value)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return text


def safe_text_expr(expr: pl.Expr) -> pl.Expr:
    """`safe_text` as a vectorised polars expression over a String column."""
    cleaned = expr.str.replace_all(XML_ILLEGAL_PATTERN, "")
    keep = EXCEL_CELL_LIMIT - len(TRUNCATION_MARKER)
    return (
        pl.when(cleaned.str.len_chars() > EXCEL_CELL_LIMIT)
        .then(cleaned.str.slice(0, keep) + pl.lit(TRUNCATION_MARKER))
        .otherwise(cleaned)
    )


def xml_escape(text: str) -> str:
    """Escape text for an XML element's content (quotes need no escaping there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_text_expr(expr: pl.Expr) -> pl.Expr:
    """Safe cell text, XML-escaped, with Excel's `_xHHHH_` sequences protected."""
    return (
        safe_text_expr(expr)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all(_EXCEL_ESCAPE_RUST, "_x005F_x${1}_")
    )


def csv_cell(value: str) -> str:
    """One CSV cell made inert for spreadsheets (OWASP): a leading quote before a trigger character."""
    return "'" + value if value.startswith(CSV_TRIGGERS) else value


def csv_cell_expr(expr: pl.Expr) -> pl.Expr:
    """`csv_cell` as a vectorised polars expression over a String column."""
    return pl.when(expr.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + expr).otherwise(expr)
