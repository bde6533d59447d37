"""The store tables: their columns and grain (ingest writes them; views and steps read them)."""

from __future__ import annotations

from dataclasses import dataclass

from appconsol.schema.fields import APPLICATION_FIELDS


@dataclass(frozen=True)
class Column:
    """A column of a store table that is not an inventory field (provenance, derived, ...)."""

    name: str
    sql_type: str
    description: str


PROVENANCE_COLUMNS: tuple[Column, ...] = (
    Column("load_id", "VARCHAR", "The load that stored this row (see `loads`)."),
    Column("source_file", "VARCHAR", "Path of the input file as given."),
    Column("source_sheet", "VARCHAR", "Sheet name for workbooks; NULL for CSV."),
    Column("source_row", "BIGINT", "1-based row number in the file or sheet, as a spreadsheet shows it."),
)

APPLICATION_EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("app_id_generated", "BOOLEAN", "True when `app_id` was derived from the name."),
    Column("currency", "VARCHAR", "Currency of every cost column (one per store; default GBP)."),
    Column("originals", "JSON", "Original text of every field whose value parsing changed, by field."),
    Column("unmapped", "JSON", "Source columns that map to no field, by source header; never dropped."),
)


@dataclass(frozen=True)
class Table:
    """A store table: its columns, and what one row is."""

    name: str
    grain: str
    columns: tuple[Column, ...]


def application_columns() -> tuple[Column, ...]:
    """The `applications` table's columns: the stored fields, the extra columns, provenance."""
    stored = tuple(Column(f.name, f.sql_type, f.description) for f in APPLICATION_FIELDS if f.stored)
    return stored + APPLICATION_EXTRA_COLUMNS + PROVENANCE_COLUMNS


TABLES: tuple[Table, ...] = (
    Table("applications", "one row per application per organisation", application_columns()),
    Table(
        "app_capabilities",
        "one row per application and capability it serves",
        (
            Column("organisation", "VARCHAR", "Organisation of the application."),
            Column("app_id", "VARCHAR", "Application id within the organisation."),
            Column("capability", "VARCHAR", "Capability as written in the export (trimmed)."),
        )
        + PROVENANCE_COLUMNS,
    ),
    Table(
        "app_components",
        "one row per application and piece of software it runs on",
        (
            Column("organisation", "VARCHAR", "Organisation of the application."),
            Column("app_id", "VARCHAR", "Application id within the organisation."),
            Column("kind", "VARCHAR", "os, database, runtime or product."),
            Column("product", "VARCHAR", 'Product name as parsed ("Windows Server", "SQL Server").'),
            Column("version", "VARCHAR", 'Version as parsed ("2012 R2", "2014"); NULL when none given.'),
            Column("raw", "VARCHAR", "The item exactly as it appeared in the export."),
            Column("source_column", "VARCHAR", "Source header the item came from."),
        )
        + PROVENANCE_COLUMNS,
    ),
    Table(
        "app_dependencies",
        "one row per dependency an export records between two applications (Konveyor record type 2)",
        (
            Column("organisation", "VARCHAR", "Organisation of both applications."),
            Column("app_name", "VARCHAR", "Name of the application that has the dependency."),
            Column("depends_on", "VARCHAR", "Name of the application on the other end."),
            Column("direction", "VARCHAR", "northbound or southbound, as exported."),
        )
        + PROVENANCE_COLUMNS,
    ),
    Table(
        "rejected_rows",
        "one row per input row that was not loaded",
        (
            Column("organisation", "VARCHAR", "Organisation the row would have belonged to."),
            Column(
                "reason",
                "VARCHAR",
                "Why the row was not loaded (no name, duplicate id, ...); `skipped: ...` for summary, "
                "units and notes rows, which are not applications.",
            ),
            Column("raw", "JSON", "The row's values by source header, exactly as read."),
        )
        + PROVENANCE_COLUMNS,
    ),
    Table(
        "load_warnings",
        "one row per cell-level problem that did not sink its row",
        (
            Column("organisation", "VARCHAR", "Organisation of the row."),
            Column("app_id", "VARCHAR", "Application id of the row (NULL when the row was rejected)."),
            Column("source_column", "VARCHAR", "Source header of the cell."),
            Column("field", "VARCHAR", "Canonical field the column maps to."),
            Column("value", "VARCHAR", "The cell's text as read."),
            Column(
                "problem", "VARCHAR", "What was wrong (unparseable date, error cell, unknown value, ...)."
            ),
        )
        + PROVENANCE_COLUMNS,
    ),
    Table(
        "loads",
        "one row per file (sheet) loaded",
        (
            Column("load_id", "VARCHAR", "Identifier of the load."),
            Column("source_file", "VARCHAR", "Path as given."),
            Column("file_name", "VARCHAR", "File name without directories."),
            Column("content_hash", "VARCHAR", "SHA-256 of the file's bytes."),
            Column("source_sheet", "VARCHAR", "Sheet read (NULL for CSV)."),
            Column("header_row", "BIGINT", "1-based row number of the (last) header row."),
            Column("organisation", "VARCHAR", "Organisation the rows were loaded for."),
            Column("profile", "VARCHAR", "Mapping profile detected or chosen (servicenow, leanix, ...)."),
            Column("mapping", "JSON", "Source header -> field mapping used, with confidences."),
            Column("loaded_at", "TIMESTAMP", "When the load committed (UTC)."),
            Column("rows_read", "BIGINT", "Data rows read (excluding blank rows)."),
            Column("rows_blank", "BIGINT", "Blank rows skipped."),
            Column("rows_loaded", "BIGINT", "Rows stored in `applications` or `app_dependencies`."),
            Column(
                "rows_rejected",
                "BIGINT",
                "Rows rejected (in `rejected_rows`, apart from skipped rows, whose reason starts `skipped:`).",
            ),
            Column("warnings", "BIGINT", "Cell-level warnings stored in `load_warnings`."),
            Column("tool_version", "VARCHAR", "appconsol version that loaded it."),
            Column(
                "file_key",
                "VARCHAR",
                "The file's identity: its resolved path relative to the store's folder. Loading the "
                "same file again (however its path is spelt), or the same bytes moved elsewhere, "
                "replaces this load.",
            ),
        ),
    ),
    Table(
        "organisations",
        "one row per organisation in the store",
        (
            Column("organisation", "VARCHAR", "Organisation name as used in `applications`."),
            Column("org_type", "VARCHAR", "Kind of body when known (county council, NHS trust, ...)."),
        ),
    ),
    Table(
        "partnerships",
        "one row per organisation and partnership it belongs to",
        (
            Column("partnership", "VARCHAR", "Name of the group of cooperating bodies."),
            Column("organisation", "VARCHAR", "A member organisation."),
        ),
    ),
    Table(
        "capability_taxonomy",
        "one row per capability of a taxonomy (reference data; empty until a taxonomy is loaded)",
        (
            Column("taxonomy", "VARCHAR", "Name of the taxonomy (an organisation's own, or a shared one)."),
            Column("code", "VARCHAR", "The capability's code in the taxonomy."),
            Column("name", "VARCHAR", "The capability's name."),
            Column("aliases", "VARCHAR[]", "Other names an inventory may use for it."),
        ),
    ),
    Table(
        "findings",
        "one row per finding of the last rule run (recomputed wholesale by each run)",
        (
            Column("run_id", "VARCHAR", "The run that made the finding (see `rule_runs`)."),
            Column(
                "finding_key",
                "VARCHAR",
                "Stable key: rule code and the identity of what the finding is about, joined by `|` "
                "(`DQ001|Wessex County Council|APP-001`), so two runs can be compared.",
            ),
            Column("subject", "VARCHAR", "The identity part of the key (the key without the rule code)."),
            Column("rule_code", "VARCHAR", "Code of the rule (`DQ001`)."),
            Column("rule_name", "VARCHAR", "Dotted name of the rule (`data-quality.required-fields`)."),
            Column("category", "VARCHAR", "data-quality, overlap, legacy, cloud, cyber, finance, ..."),
            Column("severity", "VARCHAR", "error, warning or info, after configuration overrides."),
            Column("organisation", "VARCHAR", "Organisation the finding is about, when it is about one."),
            Column("app_id", "VARCHAR", "Application the finding is about, when it is about one."),
            Column("application", "VARCHAR", "Name of that application."),
            Column("message", "VARCHAR", "What is wrong, in one sentence."),
            Column("evidence", "JSON", "The rule's evidence columns for this finding, by column name."),
            Column("source_file", "VARCHAR", "Input file that holds the row the finding points at."),
            Column("source_sheet", "VARCHAR", "Sheet of that file (NULL for CSV)."),
            Column("source_row", "BIGINT", "1-based row number in that file or sheet."),
            Column("waived", "BOOLEAN", "True when a waiver in appconsol.toml covers the finding."),
            Column("waiver_reason", "VARCHAR", "The waiver's reason, when waived."),
            Column("as_of", "DATE", "The date the run judged the data as of."),
        ),
    ),
    Table(
        "rule_runs",
        "one row per analysis step and rule executed by the last run, with its timing",
        (
            Column("run_id", "VARCHAR", "Identifier of the run."),
            Column("kind", "VARCHAR", "`step` (a Python analysis) or `rule`."),
            Column("code", "VARCHAR", "Rule code or step name."),
            Column("source", "VARCHAR", "File the rule was read from (NULL for steps)."),
            Column("status", "VARCHAR", "`ok` or `failed`."),
            Column("findings", "BIGINT", "Findings the rule made (NULL for steps)."),
            Column("seconds", "DOUBLE", "Wall-clock time it took."),
            Column("error", "VARCHAR", "Why it failed, when it did."),
            Column("as_of", "DATE", "The run's as-of date."),
            Column("started_at", "TIMESTAMP", "When the run started (UTC)."),
        ),
    ),
    Table(
        "analysis_tables",
        "one row per table the last analysis wrote: the store generation it was built from",
        (
            Column("table_name", "VARCHAR", "A table written by an analysis step or the rule run."),
            Column("run_id", "VARCHAR", "The analysis run that wrote it (see `rule_runs`)."),
            Column(
                "generation",
                "BIGINT",
                "The store generation (`store_meta` key `generation`, bumped by every load and unload) "
                "the table was built from.",
            ),
            Column("written_at", "TIMESTAMP", "When the run committed (UTC)."),
        ),
    ),
    Table(
        "store_meta",
        "key/value facts about the store",
        (
            Column(
                "key",
                "VARCHAR",
                "schema_version, created_by, generation (bumped by each load), analysis_status, "
                "analysis_generation, ...",
            ),
            Column("value", "VARCHAR", "The value as text."),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
