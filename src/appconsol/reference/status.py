"""What reference data a run uses, and two honest ways to bring it up to date.

- `reference_status(config)`: the bundled snapshots (dates, sources, counts) and the user files
  named in `[reference]` of appconsol.toml, each read and counted, so a broken one shows here.
- `lifecycle_update(checkout, output)`: read a local checkout of endoflife.date (its `products/`
  folder) and write, as a lifecycle overrides CSV, every release whose dates differ from the
  bundled snapshot or that the snapshot lacks. Point `[reference] lifecycle_overrides` at it;
  the bundled files in the package are never rewritten (that is `python -m appconsol.reference.build`,
  for maintainers).
- `import_reference(file, kind, folder)`: check a user file of one kind (taxonomy, product
  aliases, lifecycle overrides, lists) with the reader the analyses use, copy it into `folder`
  and say which `[reference]` key to set.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.reference.resources import ReferenceDataError, bundled_yaml

SETTING_FOR_KIND = {
    "taxonomy": "taxonomy",
    "products": "product_aliases",
    "lifecycle": "lifecycle_overrides",
    "lists": "lists",
    "components": "component_aliases",
}


def reference_status(reference_settings: dict[str, Any], base: Path | None = None) -> dict[str, Any]:
    """Bundled snapshots and the user's own files (paths relative to `base`, the config's folder)."""
    from appconsol.reference import (
        commodity_capabilities,
        load_taxonomy,
        saas_vendors,
        scarce_languages,
        snapshot_info,
    )

    lifecycle = snapshot_info()
    taxonomy = load_taxonomy()
    aliases = bundled_yaml("product_aliases.yaml")
    bundled = [
        {
            "name": "lifecycle dates",
            "source": f"{lifecycle.get('source')} ({lifecycle.get('source_url')})",
            "snapshot": lifecycle.get("snapshot_date"),
            "version": str(lifecycle.get("commit", ""))[:12],
            "counts": f"{lifecycle.get('product_count')} products, {lifecycle.get('release_count')} release cycles",
            "licence": lifecycle.get("licence"),
        },
        {
            "name": "capability taxonomy",
            "source": "appconsol UK public sector + APQC PCF 7.2.1 (City Government, Healthcare Provider) + COFOG",
            "snapshot": None,
            "version": None,
            "counts": ", ".join(
                f"{n} {s}" for s, n in taxonomy.group_by("source").len().sort("source").iter_rows()
            ),
            "licence": "APQC notice in APQC-COPYRIGHT-NOTICE.txt; COFOG (UN) public",
        },
        {
            "name": "product aliases",
            "source": "appconsol product_aliases.yaml",
            "snapshot": None,
            "version": None,
            "counts": f"{len(aliases.get('vendors') or {})} vendors, {len(aliases.get('products') or {})} products",
            "licence": "MIT, as the project",
        },
        {
            "name": "editable lists",
            "source": "appconsol lists.yaml",
            "snapshot": None,
            "version": None,
            "counts": f"{scarce_languages().height} scarce-skill languages, "
            f"{commodity_capabilities().height} commodity capabilities, {saas_vendors().height} SaaS editions",
            "licence": "MIT, as the project",
        },
    ]
    user = []
    for key, value in sorted(reference_settings.items()):
        kind = next((k for k, setting in SETTING_FOR_KIND.items() if setting == key), None)
        if kind is None or not isinstance(value, str):
            continue
        path = Path(value) if Path(value).is_absolute() or base is None else base / value
        entry: dict[str, Any] = {"setting": key, "path": str(path)}
        try:
            entry["counts"] = check_reference_file(path, kind)
            entry["status"] = "ok"
        except (ReferenceDataError, OSError) as exc:
            entry["status"] = f"error: {exc}"
        user.append(entry)
    return {"bundled": bundled, "user": user}


def check_reference_file(path: Path, kind: str) -> str:
    """Read a user file with the reader the analyses use; a summary of what it holds."""
    from appconsol.reference import load_taxonomy, read_overrides
    from appconsol.reference.lists import commodity_capabilities, saas_vendors, scarce_languages
    from appconsol.reference.products import product_resolver
    from appconsol.reference.resources import read_user_yaml

    if not path.is_file():
        raise ReferenceDataError(f"{path} does not exist")
    if kind == "taxonomy":
        bundled = load_taxonomy().height
        return f"{load_taxonomy(path).height - bundled:+d} capabilities against the bundled taxonomy"
    if kind == "products":
        resolver = product_resolver(path)
        user = read_user_yaml(path) or {}
        return f"{len(user.get('vendors') or {})} vendors, {len(user.get('products') or {})} products ({len(resolver.products)} in all)"
    if kind == "lifecycle":
        return f"{read_overrides(path).height} release overrides"
    if kind == "lists":
        return (
            f"{scarce_languages(path).height} scarce-skill languages, {commodity_capabilities(path).height} "
            f"commodity capabilities, {saas_vendors(path).height} SaaS editions"
        )
    if kind == "components":
        data = read_user_yaml(path)
        if not isinstance(data, dict):
            raise ReferenceDataError(f"{path}: expected a mapping like component_aliases.yaml")
        return f"{sum(len(v or {}) if isinstance(v, (dict, list)) else 1 for v in data.values())} entries"
    raise ReferenceDataError(f"unknown kind '{kind}' (one of {', '.join(SETTING_FOR_KIND)})")


def lifecycle_update(checkout: Path, output: Path) -> dict[str, Any]:
    """Write the releases of an endoflife.date checkout that differ from the bundled snapshot."""
    from appconsol.reference import load_lifecycle
    from appconsol.reference.build import lifecycle_tables

    products = checkout / "products"
    if not products.is_dir():
        raise ReferenceDataError(
            f"{checkout} has no products/ folder", hint="give the root of an endoflife.date checkout"
        )
    fresh, _meta = lifecycle_tables(products)
    bundled = load_lifecycle()
    dates = ["eoas", "eol", "eoes"]
    joined = fresh.join(
        bundled.select("product", "release_cycle", *dates, *(f"{d}_ended" for d in dates)),
        on=["product", "release_cycle"],
        how="left",
        suffix="_bundled",
    )
    changed = joined.filter(
        pl.any_horizontal(
            [pl.col(c).ne_missing(pl.col(f"{c}_bundled")) for c in [*dates, *(f"{d}_ended" for d in dates)]]
        )
    )
    commit = _git_commit(checkout)
    note = f"endoflife.date checkout {commit or checkout.name}, read {dt.date.today().isoformat()}"

    def value(date: str) -> pl.Expr:
        ended = pl.col(f"{date}_ended")
        return (
            pl.when(pl.col(date).is_not_null())
            .then(pl.col(date).cast(pl.String))
            .when(ended.is_not_null())
            .then(ended.cast(pl.String).str.to_lowercase())
            .otherwise(pl.lit(None, pl.String))
            .alias(date)
        )

    rows = changed.select(
        "product",
        "release_cycle",
        value("eol"),
        value("eoas"),
        value("eoes"),
        "title",
        "category",
        "release_label",
        pl.col("release_date").cast(pl.String),
        pl.lit(note).alias("note"),
    ).sort("product", "release_cycle")
    output.parent.mkdir(parents=True, exist_ok=True)
    rows.write_csv(output)
    new = changed.filter(pl.col("eol_bundled").is_null() & pl.col("eol_ended_bundled").is_null()).height
    return {
        "checkout": str(checkout),
        "commit": commit,
        "releases_read": fresh.height,
        "written": rows.height,
        "new_or_undated_before": new,
        "output": str(output),
        "setting": f'[reference] lifecycle_overrides = "{output}"',
    }


def _git_commit(checkout: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def import_reference(path: Path, kind: str, folder: Path) -> dict[str, Any]:
    """Check a user reference file, copy it into `folder`, and name the setting that uses it."""
    if kind not in SETTING_FOR_KIND:
        raise ReferenceDataError(f"unknown kind '{kind}'", hint=f"use one of {', '.join(SETTING_FOR_KIND)}")
    counts = check_reference_file(path, kind)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.resolve() != path.resolve():
        shutil.copyfile(path, target)
    return {
        "kind": kind,
        "file": str(target),
        "counts": counts,
        "setting": f'[reference] {SETTING_FOR_KIND[kind]} = "{target.as_posix()}"',
    }
