"""Split software component text into product and version, and say what kind of component it is.

"Windows Server 2012 R2" -> ("Windows Server", "2012 R2"), "Oracle 11g" -> ("Oracle", "11g"),
"RHEL6" -> ("RHEL", "6"). Matching these to end-of-life dates is a later analysis; here the text is
only split so that it can be joined. Work is done once per distinct item, since inventories repeat
the same few hundred component names across thousands of rows.
"""

from __future__ import annotations

import re

import polars as pl

_EDITION = r"(?:\s+(?:standard|enterprise|datacenter|datacentre|express|web|professional|pro|server|sp\d+|update\s*\d+|x64|x86|64-bit|32-bit|lts))*"
_VERSION = re.compile(
    r"""^(?P<product>.*?[A-Za-z.#+)\]])\s*
        (?P<version>
            (?:v(?:ersion)?\s*)?
            (?:\d{4}(?:\s*R\d)?|\d+(?:\.\d+)*[a-z]?(?:\s*R\d)?|[a-z]?\d+[gc]|XP|Vista|R\d+)
        """
    + _EDITION
    + r""")\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "database",
        re.compile(
            r"sql\s*server|mssql|oracle\s*(?:db|database|\d+[gc]|rdbms)|mysql|postgre|mariadb|db2|sybase|"
            r"informix|mongo|cach[eé]|intersystems|progress\s*openedge|ingres|access\s*database|sql\s*express|teradata",
            re.I,
        ),
    ),
    (
        "os",
        re.compile(
            r"windows|win\s*\d|\brhel|red\s*hat|centos|ubuntu|debian|suse|sles|solaris|\baix\b|hp-?ux|"
            r"linux|z/os|\bos/?400\b|\bibm\s*i\b|vms|unix|oracle\s*linux|amazon\s*linux",
            re.I,
        ),
    ),
    (
        "runtime",
        re.compile(
            r"\bjava\b|\bjdk\b|\bjre\b|\.net|dotnet|\bphp\b|python|node(?:\.?js)?|tomcat|\biis\b|weblogic|websphere|"
            r"jboss|wildfly|cobol|\bvb6\b|visual\s*basic|delphi|powerbuilder|\bruby\b|perl|coldfusion|asp\b|"
            r"angular|react|django|spring|glassfish|apache\s*http|nginx",
            re.I,
        ),
    ),
)


def split_component(item: str) -> tuple[str, str | None]:
    """Split a component into (product, version); the version is None when the text has none."""
    text = " ".join(item.replace("\u00a0", " ").split())
    compact = re.match(r"^([A-Za-z]{2,})(\d+(?:\.\d+)*)$", text)  # "RHEL6", "Java8"
    if compact:
        return compact.group(1), compact.group(2)
    match = _VERSION.match(text)
    if match and match.group("product").strip():
        return match.group("product").strip(" -_,"), match.group("version").strip()
    return text, None


def classify_component(item: str, default: str = "product") -> str:
    """os, database or runtime by well-known names; anything else is the default kind."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(item):
            return kind
    return default


def component_rows(items: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Expand a frame with a `raw` item column into product/version/kind, computing once per item.

    `kind` is the column's component kind; "mixed" columns (LeanIX IT Components) classify
    each item by name.
    """
    distinct = items.get_column("raw").unique().drop_nulls().to_list()
    parsed = []
    for raw in distinct:
        product, version = split_component(raw)
        item_kind = classify_component(raw) if kind == "mixed" else kind
        parsed.append((raw, product, version, item_kind))
    lookup = pl.DataFrame(
        parsed,
        schema={"raw": pl.String, "product": pl.String, "version": pl.String, "kind": pl.String},
        orient="row",
    )
    return items.join(lookup, on="raw", how="left")
