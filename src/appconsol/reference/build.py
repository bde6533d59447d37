"""Convert the shared public sources into the compact reference files bundled in the package.

    python -m appconsol.reference.build                      # ../shared/data -> reference/data
    python -m appconsol.reference.build --shared DIR --out DIR

Writes `lifecycle.parquet` + `lifecycle_meta.json` (endoflife.date front matter) and
`capability_frameworks.csv` (APQC PCF City Government and Healthcare Provider levels 1-2, COFOG
divisions and groups), and copies the sources' licence notices beside them. The output depends
only on the input files, so a rebuild is compared with the bundled copy in the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from appconsol.reference.lifecycle import LIFECYCLE_SCHEMA, parse_date_or_flag

PACKAGE_DATA = Path(__file__).resolve().parent / "data"
DEFAULT_SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
# The snapshot copied into shared/data/endoflife-date (SOURCES.md section 5). The copy holds no
# git metadata, so the commit and its date are recorded here and changed with the copy.
ENDOFLIFE_COMMIT = "a70eca337600e7d721dc48112c271f98661d208b"
ENDOFLIFE_SNAPSHOT_DATE = "2026-08-22"
# Categories public-sector estates run; endoflife.date's service/device/standard are left out.
LIFECYCLE_CATEGORIES = ("os", "database", "lang", "framework", "server-app", "app")
APQC_FILES = {
    "apqc-cg": ("k07121-city-government-v721-vs-v610-april-2023.xlsx", "APQC PCF City Government 7.2.1"),
    "apqc-hp": (
        "k07128-healthcare-provider-v721-vs-v611-april-2023.xlsx",
        "APQC PCF Healthcare Provider 7.2.1",
    ),
}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_BASE_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def read_front_matter(path: Path) -> dict[str, Any]:
    """The YAML front matter of an endoflife.date product page, every scalar kept as text."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise ValueError(f"{path}: no YAML front matter")
    data = yaml.load(match.group(1), Loader=_BASE_LOADER)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: front matter is not a mapping")
    return data


def _label(template: str | None, cycle: str, codename: str | None) -> str | None:
    """The release's display label, or None when it needs Liquid templating to compute."""
    if not template or "{{" in template or "{%" in template:
        return None
    label = template.replace("__RELEASE_CYCLE__", cycle).replace("__CODENAME__", codename or "")
    label = re.sub(r"<[^>]+>", "", label)  # <abbr> tooltips
    label = re.sub(r"''|\"\"|\(\s*\)", "", label)  # quotes or brackets left by an empty codename
    label = " ".join(label.split())
    return None if not label or "__" in label else label


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value not in ("true", "false") else None


def _column_label(value: Any) -> str | None:
    """A product's own name for a support column (eolColumn: "Premier Support"), if it has one."""
    return value if isinstance(value, str) and value not in ("true", "false") else None


def lifecycle_tables(products_dir: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """(release rows, per-product metadata) from endoflife.date's products/*.md."""
    rows: list[dict[str, Any]] = []
    products: dict[str, Any] = {}
    for path in sorted(products_dir.glob("*.md")):
        data = read_front_matter(path)
        if data.get("category") not in LIFECYCLE_CATEGORIES:
            continue
        slug = path.stem
        alternate = [*data.get("alternate_urls", []), *data.get("alternative_urls", [])]
        products[slug] = {
            "title": data["title"],
            "category": data["category"],
            "alternate_names": sorted({str(url).strip("/") for url in alternate}),
            "columns": {
                field: label
                for field, label in (
                    ("eoas", _column_label(data.get("eoasColumn"))),
                    ("eol", _column_label(data.get("eolColumn"))),
                    ("eoes", _column_label(data.get("eoesColumn"))),
                )
                if label
            },
        }
        for release in data["releases"]:
            cycle = str(release["releaseCycle"])
            codename = release.get("codename") or None
            row: dict[str, Any] = {
                "product": slug,
                "title": data["title"],
                "category": data["category"],
                "release_cycle": cycle,
                "release_label": _label(
                    release.get("releaseLabel") or data.get("releaseLabel"), cycle, codename
                ),
                "codename": codename,
                "release_date": _date(release.get("releaseDate")),
                "lts": release.get("lts", "false") != "false",  # a date means "LTS from that date"
                "latest": release.get("latest") or None,
                "latest_release_date": _date(release.get("latestReleaseDate")),
                "source": "endoflife.date",
                "note": None,
            }
            for field in ("eoas", "eol", "eoes"):
                row[field], row[f"{field}_ended"] = parse_date_or_flag(release.get(field))
            rows.append(row)
    frame = pl.DataFrame(rows, schema=LIFECYCLE_SCHEMA).sort(
        ["product", "release_date", "release_cycle"], descending=[False, True, False], nulls_last=True
    )
    return frame, products


def build_lifecycle(shared: Path, out: Path) -> pl.DataFrame:
    source = shared / "endoflife-date"
    frame, products = lifecycle_tables(source / "products")
    frame.write_parquet(out / "lifecycle.parquet", compression="zstd", statistics=False)
    meta = {
        "source": "endoflife.date",
        "source_url": "https://github.com/endoflife-date/endoflife.date",
        "commit": ENDOFLIFE_COMMIT,
        "snapshot_date": ENDOFLIFE_SNAPSHOT_DATE,
        "licence": "MIT (c) 2020 endoflife.date contributors; see LICENSE-endoflife-date.txt",
        "categories": list(LIFECYCLE_CATEGORIES),
        "product_count": len(products),
        "release_count": frame.height,
        "products": products,
    }
    (out / "lifecycle_meta.json").write_text(
        json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    shutil.copyfile(source / "LICENSE.txt", out / "LICENSE-endoflife-date.txt")
    return frame


def framework_rows(shared: Path) -> pl.DataFrame:
    """APQC categories (N.0) and process groups (N.M) of two industry PCFs, then COFOG levels 1-2."""
    parts: list[pl.DataFrame] = []
    for prefix, (filename, source) in APQC_FILES.items():
        combined = pl.read_excel(shared / "apqc-pcf" / filename, sheet_name="Combined")
        hierarchy = pl.col("Hierarchy ID").cast(pl.String).str.strip_chars()
        parts.append(
            combined.select(hierarchy.alias("id"), pl.col("Name").cast(pl.String).alias("name"))
            .filter(pl.col("id").str.contains(r"^\d+\.\d+$"))
            .with_columns(
                level=pl.when(pl.col("id").str.ends_with(".0")).then(1).otherwise(2),
                parent=pl.when(pl.col("id").str.ends_with(".0"))
                .then(None)
                .otherwise(pl.lit(f"{prefix}:") + pl.col("id").str.extract(r"^(\d+)\.") + ".0"),
                code=pl.lit(f"{prefix}:") + pl.col("id"),
                source=pl.lit(source),
            )
        )
    cofog = pl.read_csv(shared / "cofog" / "cofog.csv", infer_schema=False, encoding="utf8-lossy")
    parts.append(
        cofog.select(pl.col("Code").str.strip_chars().alias("id"), pl.col("Description_EN").alias("name"))
        .filter(pl.col("id").str.contains(r"^\d{2}(\.\d)?$"))
        .with_columns(
            level=pl.when(pl.col("id").str.contains(r"\.")).then(2).otherwise(1),
            parent=pl.when(pl.col("id").str.contains(r"\."))
            .then(pl.lit("cofog:") + pl.col("id").str.slice(0, 2))
            .otherwise(None),
            code=pl.lit("cofog:") + pl.col("id"),
            source=pl.lit("COFOG (UN Statistics Division)"),
        )
    )
    frame = pl.concat([p.select("code", "name", "parent", "level", "source") for p in parts])
    return frame.with_columns(
        # Collapse COFOG's double spaces and drop its "(CS)" (collective service) markers.
        name=pl.col("name")
        .str.replace_all(r"\((?:CS|IS)\)", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(),
        level=pl.col("level").cast(pl.Int8),
        aliases=pl.lit(""),
        refs=pl.lit(""),
    )


def framework_header(shared: Path) -> str:
    """The comment block every copy of the derived taxonomy carries (APQC's licence requires it)."""
    notice = (shared / "apqc-pcf" / "APQC-COPYRIGHT-NOTICE.txt").read_text(encoding="utf-8")
    apqc = next(line for line in notice.splitlines() if line.startswith("©"))
    return "\n".join(
        [
            "# Capability frameworks derived by appconsol.reference.build (levels 1-2 only).",
            "# APQC Process Classification Framework, City Government v7.2.1 and Healthcare Provider v7.2.1:",
            f"# {apqc}",
            "# COFOG, Classification of the Functions of Government (UN Statistics Division), as published by",
            "# datasets/cofog under the Open Data Commons Public Domain Dedication and License v1.0 (ODC-PDDL-1.0).",
            "",
        ]
    )


def build_frameworks(shared: Path, out: Path) -> pl.DataFrame:
    frame = framework_rows(shared)
    with (out / "capability_frameworks.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write(framework_header(shared))
        frame.write_csv(handle)
    shutil.copyfile(shared / "apqc-pcf" / "APQC-COPYRIGHT-NOTICE.txt", out / "APQC-COPYRIGHT-NOTICE.txt")
    return frame


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m appconsol.reference.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=PACKAGE_DATA, help="where to write the files")
    args = parser.parse_args(argv)
    if not (args.shared / "endoflife-date" / "products").is_dir():
        print(f"Error: {args.shared} has no endoflife-date/products. Pass --shared.", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    lifecycle = build_lifecycle(args.shared, args.out)
    frameworks = build_frameworks(args.shared, args.out)
    print(
        f"wrote {lifecycle.height} release cycles of {lifecycle['product'].n_unique()} products and "
        f"{frameworks.height} framework capabilities to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
