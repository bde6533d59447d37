"""Load a draw through the library and classify the outcome against the draw's truth.

- exact: every application that should load did, with its name, organisation, id and costs, and
  every data row is accounted for (loaded + rejected + skipped);
- asked: the loader stopped with an error that asks for a mapping (names a mapping file or
  `map --write`);
- wrong: it loaded, but something differs from the truth, or a column was mapped to a field its
  values contradict; the causes say which field, which column, which row;
- crashed: any other exception, or a refusal that gives the user no way forward.

The checks here parse values with their own small rules, not the loader's, so a loader bug cannot
hide behind the judge agreeing with it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from appconsol.schema import FIELDS_BY_NAME, Kind
from exportgen.catalogues import ANY, LAYOUTS
from exportgen.generate import AS_OF, COST_FIELDS, SECONDARY_FIELDS, SKIP, ColumnTruth, Draw

CORE_FIELDS = ("organisation", "name", "app_id", *COST_FIELDS)
OUTCOMES = ("exact", "asked", "wrong", "crashed")


@dataclass
class Verdict:
    outcome: str
    findings: list[tuple[str, str]] = field(default_factory=list)  # (cause, detail naming row/column)
    missed: list[str] = field(default_factory=list)  # secondary fields left empty (not wrong)
    accounting: dict[str, int] = field(default_factory=dict)
    mapping: list[dict[str, Any]] = field(default_factory=list)
    loaded: list[dict[str, Any]] = field(default_factory=list)

    def add(self, cause: str, detail: str) -> None:
        self.findings.append((cause, detail))

    @property
    def causes(self) -> list[str]:
        """Short, row-free kinds of failure: what the failure patterns group by."""
        return [cause for cause, _ in self.findings]

    @property
    def details(self) -> list[str]:
        return [detail for _, detail in self.findings]

    @property
    def summary(self) -> str:
        return "; ".join(self.details[:3]) or self.outcome


# --- the judge's own value readers ---------------------------------------------------------------

_UNKNOWN = {"", "tbc", "tbd", "n/a", "na", "unknown", "-", "none", "not known", "?"}
_MONEY = re.compile(r"^\(?-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\)?(k|m)?$")
_DATE_PATTERNS = (
    re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$"),
    re.compile(r"^\d{4}-\d{2}-\d{2}([ t]\d{2}:\d{2}(:\d{2})?)?$"),
    re.compile(r"^\d{1,2}[- ][a-z]{3,9}[- ]\d{4}$"),
    re.compile(r"^[a-z]{3,9} \d{4}$"),
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


def is_money(text: str) -> bool:
    t = text.strip().lower()
    for token in ("£", "gbp", "$", "€", "p.a.", "per annum"):
        t = t.replace(token, "")
    return bool(_MONEY.match(t.replace(" ", "")))


def is_date(text: str) -> bool:
    t = text.strip().lower()
    if re.fullmatch(r"\d{5}(\.0+)?", t):  # an Excel serial
        return 20_000 <= float(t) <= 80_000
    return any(p.match(t) for p in _DATE_PATTERNS)


def is_integer(text: str) -> bool:
    return bool(re.fullmatch(r"\d{1,3}(,\d{3})*(\.0+)?|\d+(\.0+)?", text.strip()))


def _enum_words() -> set[str]:
    words = {value.lower() for layout in LAYOUTS for col in layout.columns for value in col.values}
    for name in ("hosting_model", "lifecycle", "business_criticality"):
        for canonical, synonyms in FIELDS_BY_NAME[name].vocabulary.items():
            words.add(canonical)
            words.update(s for s in synonyms if not s.isdigit())
    return words


ENUM_WORDS = _enum_words()


def _share(values: list[str], test: Any) -> tuple[float, int]:
    filled = [x for x in values if x.strip().lower() not in _UNKNOWN]
    if not filled:
        return 1.0, 0
    return sum(1 for x in filled if test(x)) / len(filled), len(filled)


def contradiction(field_name: str, values: list[str]) -> str | None:
    """Why a column with these values cannot be this field, or None when they fit."""
    fld = FIELDS_BY_NAME.get(field_name)
    if fld is None:
        return None
    if fld.kind is Kind.MONEY:
        share, n = _share(values, is_money)
        return f"{n - round(share * n)} of {n} values are not money" if n and share < 0.5 else None
    if fld.kind is Kind.DATE:
        share, n = _share(values, is_date)
        return f"{n - round(share * n)} of {n} values are not dates" if n and share < 0.5 else None
    if fld.kind is Kind.INTEGER and field_name != "notice_period_days":
        share, n = _share(values, is_integer)
        return f"{n - round(share * n)} of {n} values are not whole numbers" if n and share < 0.5 else None
    if field_name in ("name", "organisation"):
        for what, test in (
            ("e-mail addresses", lambda x: bool(_EMAIL.match(x.strip().lower()))),
            (
                "a controlled vocabulary (types, hosting, lifecycle)",
                lambda x: x.strip().lower() in ENUM_WORDS,
            ),
            ("money", is_money),
            ("dates", is_date),
        ):
            share, n = _share(values, test)
            if n >= 2 and share > 0.5:
                return f"its values are {what}"
    if field_name == "app_id":
        filled = [x.strip() for x in values if x.strip()]
        if len(filled) >= 3 and len(set(filled)) < 0.5 * len(filled):
            return "its values repeat (not identifiers)"
    return None


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _asks_for_mapping(text: str) -> bool:
    """The error asks the user for a mapping (names a proposal, a mapping file or `map --write`);
    an error that merely mentions a mapping (a bad `where:` in one) is no such request."""
    lower = text.lower()
    return any(
        phrase in lower
        for phrase in (
            "proposed mapping",
            "--mapping",
            "map --write",
            "mapping file",
            "mapping.yaml",
            "appconsol map ",
        )
    )


def _normalised(text: str) -> str:
    return " ".join(str(text).lower().split())


# --- loading ------------------------------------------------------------------------------------


def load_draw(
    draw: Draw, db_path: Path, mapping: Any = None
) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Load the draw into a fresh store: (report, applications, loads, rejected) as row dicts."""
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.prepare import LoadOptions
    from appconsol.store import Store

    with Store(db_path) as store:
        report = load_inventories(
            [draw.path],
            store,
            organisation=draw.organisation_arg,
            options=LoadOptions(as_of=AS_OF),
            mapping=mapping,
        )
        if report.failures or not report.records:
            return report, [], [], []
        apps = store.query("SELECT * FROM applications ORDER BY source_row").to_dicts()
        loads = store.query("SELECT * FROM loads").to_dicts()
        rejected = store.query("SELECT source_row, reason FROM rejected_rows ORDER BY source_row").to_dicts()
    return report, apps, loads, rejected


def judge_draw(draw: Draw, workdir: Path | None = None, mapping: Any = None) -> Verdict:
    """Load `draw` into a fresh store under `workdir` (a temporary folder if None) and judge it."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="exportgen-") as tmp:
            return judge_draw(draw, Path(tmp), mapping)
    db = workdir / f"judge-{draw.seed}-{draw.index}-{id(draw)}.duckdb"
    cwd = Path.cwd()
    try:
        os.chdir(workdir)  # a loader that writes a proposed mapping writes it here, not in the repo
        report, apps, loads, rejected = load_draw(draw, db, mapping)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a pyo3 PanicException is a BaseException
        first = str(exc).splitlines()[0][:80] if str(exc) else ""
        return Verdict("crashed", [(f"crash {type(exc).__name__}", f"{type(exc).__name__}: {first}")])
    finally:
        os.chdir(cwd)
        for leftover in workdir.glob(db.name + "*"):
            leftover.unlink(missing_ok=True)
    if report.failures:
        error = report.failures[0].error
        text = str(error)
        if _asks_for_mapping(text):
            return Verdict("asked", [("asked for a mapping", text[:200])])
        message = re.sub(r"'[^']*'", "'…'", error.message)[:70]
        return Verdict("crashed", [(f"refused: {message}", text[:200])])
    if not report.records:
        return Verdict("crashed", [("nothing loaded and no error", "; ".join(report.notes)[:200])])
    record = report.records[0]
    raw_mapping = (loads[0].get("mapping") or loads[0].get("mapping_json")) if loads else None
    mapping = json.loads(raw_mapping) if isinstance(raw_mapping, str) else list(raw_mapping or [])
    verdict = Verdict("exact", mapping=mapping, loaded=apps)
    found = loads[0].get("header_row") if loads else None
    two_row = any(f.startswith("merged-") for f in draw.features)
    if found is not None and found != draw.header_row and not (two_row and found == draw.header_row - 1):
        verdict.add(
            "header row wrong",
            f"header taken from row {found}, it is row {draw.header_row} "
            f"(headers read: {', '.join(str(m.get('header')) for m in mapping[:4])}...)",
        )
    _check_accounting(draw, record, verdict)
    _check_mapping(draw, mapping, verdict)
    _check_rows(draw, apps, rejected, mapping, verdict)
    if verdict.findings:
        verdict.outcome = "wrong"
    return verdict


def _check_accounting(draw: Draw, record: Any, verdict: Verdict) -> None:
    loaded, rejected = record.rows_loaded, record.rows_rejected
    skipped, blank = int(getattr(record, "rows_skipped", 0) or 0), record.rows_blank
    verdict.accounting = {
        "rows": draw.data_rows,
        "loaded": loaded,
        "rejected": rejected,
        "skipped": skipped,
        "blank": blank,
    }
    total = loaded + rejected + skipped
    # A loader may count blank rows among the skipped ones or apart; either adds up.
    if total != draw.data_rows and total != draw.data_rows + blank:
        verdict.add(
            "rows unaccounted",
            f"loaded {loaded} + rejected {rejected} + skipped {skipped} = {total}, "
            f"but the file has {draw.data_rows} data rows below its header (row {draw.header_row})",
        )


def _column_for(mapping: list[dict[str, Any]], draw: Draw) -> list[tuple[dict[str, Any], ColumnTruth | None]]:
    """Pair each mapped header with the draw's column: by position, else by header text."""
    if len(mapping) == len(draw.columns):
        return list(zip(mapping, draw.columns, strict=True))
    by_text = {_normalised(c.header): c for c in draw.columns}
    by_sub = {_normalised(c.header.split(" ")[-1]): c for c in draw.columns}
    pairs = []
    for m in mapping:
        key = _normalised(m.get("header") or "")
        pairs.append((m, by_text.get(key) or by_sub.get(key)))
    return pairs


def _check_mapping(draw: Draw, mapping: list[dict[str, Any]], verdict: Verdict) -> None:
    for m, col in _column_for(mapping, draw):
        target = m.get("field")
        if not target or col is None:
            continue
        why = contradiction(target, col.values)
        if why:
            verdict.add(
                f"{target} <- {col.key} column (values contradict)",
                f"column '{col.header.strip()}' mapped to {target}, but {why}",
            )
            continue
        checked = target in CORE_FIELDS or target in SECONDARY_FIELDS
        if (
            checked
            and col.field not in (ANY, target)
            and not (target == "lifecycle" and col.key.startswith("phase:"))
        ):
            should = col.field or "no checked field"
            verdict.add(
                f"{target} <- {col.key} column (should be {should})",
                f"column '{col.header.strip()}' mapped to {target}; it holds {col.key} values ({should})",
            )


def _check_rows(
    draw: Draw,
    apps: list[dict[str, Any]],
    rejected: list[dict[str, Any]],
    mapping: list[dict[str, Any]],
    verdict: Verdict,
) -> None:
    mapped_to = {m.get("field"): (m.get("header") or "").strip() for m in mapping if m.get("field")}
    expected_by_key: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for app in draw.expected:
        expected_by_key[(app.organisation, app.name)].append(app)
    loaded_by_key: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in apps:
        loaded_by_key[((row.get("organisation") or "").strip(), (row.get("name") or "").strip())].append(row)
    not_loaded = dict(draw.not_loaded)
    expected_rows = {app.row: app for app in draw.expected}
    reasons = {r["source_row"]: r["reason"] for r in rejected}

    for key, rows in loaded_by_key.items():
        wanted = expected_by_key.get(key, [])
        for row in rows[len(wanted) :]:
            source_row = row.get("source_row")
            org, name = key
            if source_row in not_loaded:
                verdict.add(
                    f"{not_loaded[source_row].split(' of ')[0]} loaded",
                    f"row {source_row} ({not_loaded[source_row]}) loaded as '{name}'",
                )
            elif source_row in expected_rows and expected_rows[source_row].name != name:
                truth = expected_rows[source_row]
                verdict.add(
                    "name from the wrong column",
                    f"row {source_row}: name '{name}' (column '{mapped_to.get('name', '?')}'), should be '{truth.name}'",
                )
            elif source_row in expected_rows and expected_rows[source_row].organisation != org:
                truth = expected_rows[source_row]
                source = (
                    "--org"
                    if draw.organisation_arg
                    else f"column '{mapped_to.get('organisation', 'file name')}'"
                )
                verdict.add(
                    "wrong organisation",
                    f"row {source_row} '{name}': organisation '{org}', should be '{truth.organisation}' ({source})",
                )
            else:
                verdict.add(
                    "unexpected row loaded",
                    f"row {source_row} loaded as '{name}' ({org}); not an application row",
                )
    for key, wanted in expected_by_key.items():
        got = loaded_by_key.get(key, [])
        for app in wanted[len(got) :]:
            if app.optional or any(r.get("source_row") == app.row for r in apps):
                continue  # reported above as a wrong name or organisation
            reason = reasons.get(app.row, "not loaded and not rejected")
            verdict.add("application row not loaded", f"row {app.row} '{app.name}' not loaded ({reason})")
        for app, row in zip(wanted, got, strict=False):
            _compare(app, row, mapped_to, verdict)


def _compare(app: Any, row: dict[str, Any], mapped_to: dict[str, str], verdict: Verdict) -> None:
    where = f"row {app.row} '{app.name}'"
    loaded_id, generated = row.get("app_id"), bool(row.get("app_id_generated"))
    if app.app_id is not None and not app.app_id_optional and loaded_id != app.app_id:
        verdict.add(
            "app_id wrong",
            f"{where}: app_id '{loaded_id}', should be '{app.app_id}' (column '{mapped_to.get('app_id', '?')}')",
        )
    elif app.app_id_optional and not generated and loaded_id != app.app_id:
        verdict.add(
            "app_id wrong", f"{where}: app_id '{loaded_id}' from column '{mapped_to.get('app_id', '?')}'"
        )
    elif app.app_id is None and not generated:
        verdict.add(
            "app_id from a non-id column",
            f"{where}: app_id '{loaded_id}' from column '{mapped_to.get('app_id', '?')}'",
        )
    for fld in COST_FIELDS:
        want, got = _money(app.values.get(fld)), _money(row.get(fld))
        if want != got:
            source = mapped_to.get(fld)
            what = "missing" if got is None else "wrong"
            verdict.add(
                f"{fld} {what}",
                f"{where}: {fld} {got} (column '{source}'), should be {want}"
                if source
                else f"{where}: {fld} {got}, should be {want} (no column mapped)",
            )
    for fld in SECONDARY_FIELDS:
        want = app.values.get(fld, SKIP)
        if want is SKIP:
            continue
        got = row.get(fld)
        if isinstance(got, dt.datetime):
            got = got.date()
        if fld in ("vendor",) and isinstance(got, str):
            got = got.strip()
        if got == want:
            continue
        if got is None:
            verdict.missed.append(f"{fld} (column '{mapped_to.get(fld, 'unmapped')}')")
            continue
        verdict.add(
            f"{fld} wrong", f"{where}: {fld} '{got}' (column '{mapped_to.get(fld, '?')}'), should be '{want}'"
        )


def rescue(draw: Draw, workdir: Path) -> Verdict | None:
    """After an `asked`: take the mapping the loader proposed, correct only its field names from the
    truth (as a user would), load again with it and judge. None when no proposal was written."""
    import yaml

    proposals = sorted(workdir.rglob(f"{draw.path.name}*.yaml"))
    if not proposals:
        return None
    data = yaml.safe_load(proposals[0].read_text(encoding="utf-8")) or {}
    columns = data.get("columns") or {}
    if len(columns) != len(draw.columns):
        return Verdict(
            "wrong",
            [
                (
                    "proposal does not list the columns",
                    f"proposed mapping has {len(columns)} columns, the file {len(draw.columns)}",
                )
            ],
        )
    edited = {}
    for (header, proposed), truth in zip(columns.items(), draw.columns, strict=True):
        edited[header] = proposed if truth.field == ANY else (truth.field or "ignore")
    data["columns"] = edited
    if draw.tool == "archi":
        type_header = next(h for h, t in zip(columns, draw.columns, strict=True) if t.key == "archi_type")
        data["where"] = {type_header: "ApplicationComponent"}
    path = workdir / "edited.mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        from appconsol.ingest.mapping_file import read_user_mapping
    except ImportError:  # before the mapping-file module was split out
        from appconsol.ingest.mapping import read_user_mapping  # type: ignore[attr-defined,no-redef]
    try:
        mapping = read_user_mapping(path)
    except Exception as exc:
        return Verdict("crashed", [("edited proposal refused", str(exc)[:200])])
    return judge_draw(draw, workdir, mapping)
