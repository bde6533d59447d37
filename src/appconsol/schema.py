"""The canonical schema: the one contract between ingest, the store, the rules and the reports.

Everything about an inventory field lives here: its stored type, what it means, the words it is
known by in exports (header aliases) and, for controlled fields, the vocabulary its values are
mapped onto. The store's DDL, the loader's mapping and normalisation, and `docs/schema.md` are all
generated from these definitions, so changing a field here changes it everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

SCHEMA_VERSION = 1
DEFAULT_CURRENCY = "GBP"


class Kind(str, Enum):
    """How a field's values are parsed and stored."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DATE = "date"
    BOOLEAN = "boolean"
    ENUM = "enum"
    FIT = "fit"
    LIST = "list"
    COMPONENTS = "components"


SQL_TYPES: dict[Kind, str] = {
    Kind.TEXT: "VARCHAR",
    Kind.INTEGER: "BIGINT",
    Kind.MONEY: "DECIMAL(18,2)",
    Kind.DATE: "DATE",
    Kind.BOOLEAN: "BOOLEAN",
    Kind.ENUM: "VARCHAR",
    Kind.FIT: "TINYINT",
    Kind.LIST: "VARCHAR[]",
    Kind.COMPONENTS: "VARCHAR",
}


@dataclass(frozen=True)
class Field:
    """One canonical application field."""

    name: str
    kind: Kind
    description: str
    aliases: tuple[str, ...] = ()
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    component_kind: str | None = None  # for COMPONENTS fields: os, database, runtime, product, mixed
    stored: bool = True  # COMPONENTS and capability lists go to their own tables

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


LIFECYCLE = {
    "plan": ("plan", "planned", "planning", "ideation", "proposed", "design", "pipeline", "future"),
    "phase-in": (
        "phase in",
        "phase-in",
        "phasein",
        "development",
        "implementation",
        "in build",
        "build",
        "pilot",
        "being implemented",
        "onboarding",
        "transition",
    ),
    "active": (
        "active",
        "live",
        "in use",
        "operational",
        "production",
        "in production",
        "current",
        "in service",
        "deployed",
        "running",
        "business as usual",
        "bau",
    ),
    "phase-out": (
        "phase out",
        "phase-out",
        "phaseout",
        "sunset",
        "sunsetting",
        "being retired",
        "decommissioning",
        "retiring",
        "end of life planned",
        "to be retired",
        "legacy",
        "being decommissioned",
        "deprecated",
    ),
    "retired": (
        "retired",
        "decommissioned",
        "end of life",
        "eol",
        "archived",
        "switched off",
        "closed",
        "inactive",
        "obsolete",
        "end-of-life",
    ),
}

CRITICALITY = {
    "mission-critical": (
        "mission critical",
        "missioncritical",
        "1 - most critical",
        "1",
        "tier 1",
        "tier 0",
        "critical",
        "very high",
        "gold",
        "essential",
    ),
    "business-critical": (
        "business critical",
        "businesscritical",
        "2 - somewhat critical",
        "2",
        "tier 2",
        "high",
        "silver",
        "important",
    ),
    "business-operational": (
        "business operational",
        "businessoperational",
        "3 - less critical",
        "3",
        "tier 3",
        "medium",
        "bronze",
        "moderate",
    ),
    "administrative": (
        "administrative service",
        "administrativeservice",
        "administrative",
        "4 - not critical",
        "4",
        "tier 4",
        "low",
        "not critical",
        "minor",
    ),
}

HOSTING = {
    "on-premises": (
        "on premises",
        "on-premises",
        "on premise",
        "on-premise",
        "onprem",
        "on prem",
        "data centre",
        "data center",
        "datacentre",
        "in house",
        "in-house",
        "local server",
        "council data centre",
        "server room",
        "physical",
        "virtual machine on premises",
        "server",
        "desktop",
        "client server",
        "installed",
    ),
    "private-cloud": (
        "private cloud",
        "private-cloud",
        "hosted",
        "managed hosting",
        "co-location",
        "colocation",
        "colo",
        "supplier hosted",
        "vendor hosted",
        "hosted by supplier",
        "cloud-hosted",
    ),
    "iaas": (
        "iaas",
        "infrastructure as a service",
        "azure vm",
        "aws ec2",
        "ec2",
        "public cloud iaas",
        "cloud vm",
        "public cloud",
    ),
    "paas": (
        "paas",
        "platform as a service",
        "azure app service",
        "aws elastic beanstalk",
        "app service",
        "serverless",
    ),
    "saas": (
        "saas",
        "software as a service",
        "cloud",
        "cloud service",
        "hosted service",
        "web service",
        "subscription",
    ),
    "unknown": ("unknown", "not known", "tbc", "tbd", "n/a", "other", "hybrid"),
}

DATA_CLASSIFICATION = {
    "public": ("public", "unclassified", "open", "not protectively marked", "npm"),
    "official": ("official", "internal", "restricted", "protect", "confidential - low"),
    "official-sensitive": (
        "official-sensitive",
        "official sensitive",
        "official: sensitive",
        "sensitive",
        "confidential",
        "highly sensitive",
        "official-sensitive personal",
    ),
    "secret": ("secret",),
    "top-secret": ("top secret", "top-secret"),
}

# LeanIX's four-level scales, stored as 1 (worst) .. 4 (best) so rules can compare them.
FUNCTIONAL_FIT = {
    "1": ("unreasonable", "1", "poor", "very poor"),
    "2": ("insufficient", "2", "fair", "partial"),
    "3": ("appropriate", "3", "good", "adequate"),
    "4": ("perfect", "4", "excellent", "very good"),
}
TECHNICAL_FIT = {
    "1": ("inappropriate", "1", "poor", "very poor"),
    "2": ("unreasonable", "2", "fair", "partial"),
    "3": ("adequate", "3", "good", "appropriate"),
    "4": ("fully appropriate", "fullyappropriate", "4", "excellent", "perfect", "very good"),
}


def _f(name: str, kind: Kind, description: str, *aliases: str, **kwargs: object) -> Field:
    return Field(name, kind, description, tuple(aliases), **kwargs)  # type: ignore[arg-type]


APPLICATION_FIELDS: tuple[Field, ...] = (
    _f(
        "organisation",
        Kind.TEXT,
        "The body that runs the application. From a column when the export has one, else `--org`, "
        "else the file name.",
        "organisation",
        "organization",
        "org",
        "body",
        "council",
        "trust",
        "authority",
        "agency",
        "owning organisation",
        "company",
    ),
    _f(
        "app_id",
        Kind.TEXT,
        "Identifier unique within the organisation. When the export has none it is derived stably "
        "from the normalised name (`name:` + slug), so reloading gives the same ids.",
        "app id",
        "application id",
        "id",
        "number",
        "app ref",
        "reference",
        "ref",
        "asset id",
        "asset number",
        "ci id",
        "sys id",
        "application number",
        "apm id",
        "system id",
        "record id",
        "app no",
    ),
    _f(
        "name",
        Kind.TEXT,
        "The application's name as the organisation knows it. A row without one is rejected.",
        "name",
        "application",
        "application name",
        "app name",
        "system",
        "system name",
        "display name",
        "service name",
        "business application",
        "software",
        "title",
    ),
    _f(
        "description",
        Kind.TEXT,
        "What the application does.",
        "description",
        "short description",
        "purpose",
        "summary",
        "what it does",
        "notes",
        "business purpose",
        "comments",
    ),
    _f(
        "vendor",
        Kind.TEXT,
        "Supplier or vendor, as written in the export (resolved to a product key by later analyses).",
        "vendor",
        "supplier",
        "provider",
        "manufacturer",
        "publisher",
        "company name",
        "supplier name",
        "vendor name",
    ),
    _f(
        "product",
        Kind.TEXT,
        "The commercial product the application is an instance of, when the export names it apart "
        "from the application's local name.",
        "product",
        "product name",
        "package",
        "software product",
        "commercial product",
        "model",
    ),
    _f(
        "version",
        Kind.TEXT,
        "Product version.",
        "version",
        "release",
        "product version",
        "current version",
        "binary version",
    ),
    _f(
        "lifecycle",
        Kind.ENUM,
        "Lifecycle phase. LeanIX-style phase-date columns are turned into the phase current at load.",
        "lifecycle",
        "lifecycle stage",
        "lifecycle status",
        "status",
        "life cycle",
        "life cycle stage",
        "operational status",
        "state",
        "lifecycle phase",
        "phase",
        "stage",
        vocabulary=LIFECYCLE,
    ),
    _f(
        "business_criticality",
        Kind.ENUM,
        "Business criticality (LeanIX scale; ServiceNow's 1-4 map onto it).",
        "business criticality",
        "criticality",
        "critical",
        "service criticality",
        "tier",
        "service tier",
        "priority",
        "importance",
        vocabulary=CRITICALITY,
    ),
    _f(
        "hosting_model",
        Kind.ENUM,
        "Where and how it runs.",
        "hosting",
        "hosting model",
        "hosting type",
        "install type",
        "deployment",
        "deployment model",
        "hosted",
        "hosting location",
        "platform type",
        "delivery model",
        "where hosted",
        vocabulary=HOSTING,
    ),
    _f(
        "hosting_country",
        Kind.TEXT,
        "Country where the application and its data are hosted (ISO name or code as given).",
        "hosting country",
        "data location",
        "data residency",
        "country",
        "region",
        "data centre location",
        "hosting region",
    ),
    _f(
        "user_count",
        Kind.INTEGER,
        "Number of people who use it.",
        "users",
        "user count",
        "number of users",
        "no of users",
        "active users",
        "user base",
        "users supported",
        "no. of users",
    ),
    _f(
        "licensed_users",
        Kind.INTEGER,
        "Number of user licences held.",
        "licensed users",
        "licences",
        "licenses",
        "number of licences",
        "licence count",
        "seats",
        "license count",
    ),
    _f(
        "data_classification",
        Kind.ENUM,
        "Government Security Classification of the data it holds.",
        "data classification",
        "classification",
        "security classification",
        "protective marking",
        "gsc",
        "information classification",
        vocabulary=DATA_CLASSIFICATION,
    ),
    _f(
        "personal_data",
        Kind.BOOLEAN,
        "Holds personal data (UK GDPR).",
        "personal data",
        "pii",
        "holds personal data",
        "contains personal data",
        "gdpr",
        "personal information",
    ),
    _f(
        "special_category_data",
        Kind.BOOLEAN,
        "Holds special-category personal data (health, ethnicity, ...; UK GDPR Art. 9).",
        "special category data",
        "special category",
        "sensitive personal data",
        "special category personal data",
        "health data",
    ),
    _f(
        "internet_facing",
        Kind.BOOLEAN,
        "Reachable from the internet.",
        "internet facing",
        "external facing",
        "internet accessible",
        "public facing",
        "externally accessible",
    ),
    _f(
        "citizen_facing",
        Kind.BOOLEAN,
        "Used directly by the public.",
        "citizen facing",
        "customer facing",
        "public use",
        "resident facing",
        "patient facing",
        "used by public",
    ),
    _f(
        "sso",
        Kind.BOOLEAN,
        "Sign-in through the organisation's single sign-on.",
        "sso",
        "single sign on",
        "single sign-on",
        "sso enabled",
        "uses sso",
        "saml",
    ),
    _f(
        "mfa",
        Kind.BOOLEAN,
        "Multi-factor authentication enforced.",
        "mfa",
        "2fa",
        "multi factor",
        "multi-factor authentication",
        "mfa enabled",
        "two factor",
    ),
    _f(
        "functional_fit",
        Kind.FIT,
        "LeanIX functional fit, 1 = unreasonable, 2 = insufficient, 3 = appropriate, 4 = perfect.",
        "functional fit",
        "business fit",
        "functional suitability",
        "fit for purpose",
        vocabulary=FUNCTIONAL_FIT,
    ),
    _f(
        "technical_fit",
        Kind.FIT,
        "LeanIX technical fit, 1 = inappropriate, 2 = unreasonable, 3 = adequate, 4 = fully appropriate.",
        "technical fit",
        "technical suitability",
        "technical condition",
        "technical health",
        vocabulary=TECHNICAL_FIT,
    ),
    _f(
        "business_owner",
        Kind.TEXT,
        "Person or role accountable for the application in the business.",
        "business owner",
        "owner",
        "service owner",
        "application owner",
        "information asset owner",
        "iao",
        "responsible",
        "managed by",
        "accountable",
        "subscriptions: responsible",
    ),
    _f(
        "technical_owner",
        Kind.TEXT,
        "Person or team who runs it technically.",
        "technical owner",
        "it owner",
        "it application owner",
        "support team",
        "support group",
        "technical contact",
        "it contact",
        "system administrator",
        "managed by group",
        "it lead",
    ),
    _f(
        "department",
        Kind.TEXT,
        "Directorate, department or business unit that uses it.",
        "department",
        "directorate",
        "service area",
        "business unit",
        "division",
        "team",
        "service",
        "business area",
    ),
    _f(
        "languages",
        Kind.LIST,
        "Programming languages it is written in.",
        "languages",
        "language",
        "programming language",
        "development language",
        "technology",
        "code language",
    ),
    _f(
        "contract_end",
        Kind.DATE,
        "Date the current contract ends.",
        "contract end",
        "contract end date",
        "contract expiry",
        "contract expiry date",
        "renewal date",
        "expiry date",
        "contract renewal",
        "end of contract",
        "contract expires",
    ),
    _f(
        "notice_period_days",
        Kind.INTEGER,
        'Contract notice period in days ("3 months" is read as 90).',
        "notice period",
        "notice period days",
        "notice",
        "termination notice",
    ),
    _f(
        "auto_renew",
        Kind.BOOLEAN,
        "The contract renews automatically unless notice is given.",
        "auto renew",
        "auto-renew",
        "auto renewal",
        "automatic renewal",
        "rolling contract",
        "evergreen",
    ),
    _f(
        "go_live",
        Kind.DATE,
        "Date it went live.",
        "go live",
        "go-live",
        "go live date",
        "go-live date",
        "live date",
        "implemented",
        "implementation date",
        "install date",
        "date installed",
        "in service date",
    ),
    _f(
        "integration_count",
        Kind.INTEGER,
        "Number of interfaces to other systems.",
        "integrations",
        "integration count",
        "interfaces",
        "number of interfaces",
        "no of interfaces",
        "interface count",
    ),
    _f(
        "cost_licence",
        Kind.MONEY,
        "Annual licence or subscription cost.",
        "licence cost",
        "license cost",
        "licence",
        "license",
        "annual licence",
        "subscription",
        "subscription cost",
        "licence fee",
        "annual licence cost",
        "licensing",
    ),
    _f(
        "cost_support",
        Kind.MONEY,
        "Annual support and maintenance cost.",
        "support cost",
        "support",
        "maintenance",
        "support and maintenance",
        "annual support",
        "maintenance cost",
        "s&m",
        "support & maintenance",
    ),
    _f(
        "cost_hosting",
        Kind.MONEY,
        "Annual hosting or infrastructure cost.",
        "hosting cost",
        "infrastructure cost",
        "annual hosting",
        "hosting charges",
        "infrastructure",
        "cloud cost",
        "hosting costs",
    ),
    _f(
        "cost_staff",
        Kind.MONEY,
        "Annual internal staff cost to run it.",
        "internal staff cost",
        "staff cost",
        "internal cost",
        "staff",
        "fte cost",
        "internal staff",
        "people cost",
    ),
    _f(
        "cost_other",
        Kind.MONEY,
        "Other annual costs.",
        "other cost",
        "other costs",
        "other",
        "misc cost",
        "additional costs",
    ),
    _f(
        "cost_total",
        Kind.MONEY,
        "Annual total cost as stated in the export (kept so rules can check it against the lines).",
        "total cost",
        "annual cost",
        "total annual cost",
        "cost",
        "tco",
        "annual tco",
        "yearly cost",
        "total",
        "annual running cost",
        "cost per year",
    ),
    _f(
        "capabilities",
        Kind.LIST,
        "Business capabilities it serves; stored one row each in `app_capabilities`.",
        "capability",
        "capabilities",
        "business capability",
        "business capabilities",
        "function",
        "business function",
        "service area served",
        "category",
        "process",
        "business process",
        stored=False,
    ),
    _f(
        "components_os",
        Kind.COMPONENTS,
        "Operating system(s); parsed into `app_components` (kind `os`).",
        "operating system",
        "os",
        "server os",
        "platform",
        "operating systems",
        "server operating system",
        component_kind="os",
        stored=False,
    ),
    _f(
        "components_database",
        Kind.COMPONENTS,
        "Database product(s); parsed into `app_components` (kind `database`).",
        "database",
        "database platform",
        "db",
        "dbms",
        "database version",
        "rdbms",
        component_kind="database",
        stored=False,
    ),
    _f(
        "components_runtime",
        Kind.COMPONENTS,
        "Runtime or language platform(s) (Java 8, .NET Framework 4.8); parsed into `app_components` "
        "(kind `runtime`).",
        "runtime",
        "framework",
        "runtime platform",
        "application server",
        "middleware",
        "technology stack",
        "tech stack",
        component_kind="runtime",
        stored=False,
    ),
    _f(
        "components",
        Kind.COMPONENTS,
        'Mixed software list (LeanIX "IT Components"): each item is classified as os, database, '
        "runtime or product and parsed into `app_components`.",
        "it components",
        "components",
        "software components",
        "technology components",
        "technologies",
        "dependencies",
        component_kind="mixed",
        stored=False,
    ),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in APPLICATION_FIELDS}
COST_LINE_FIELDS: tuple[str, ...] = (
    "cost_licence",
    "cost_support",
    "cost_hosting",
    "cost_staff",
    "cost_other",
)


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
            Column("reason", "VARCHAR", "Why the row was not loaded (no name, duplicate id, ...)."),
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
            Column("rows_rejected", "BIGINT", "Rows stored in `rejected_rows`."),
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


@dataclass(frozen=True)
class View:
    """A canonical view: the contract rules are written against (`docs/schema.md` lists them)."""

    name: str
    description: str
    sql: str
    derived: tuple[Column, ...] = ()  # columns the view adds to the table it reads


LIVE_LIFECYCLES: tuple[str, ...] = ("phase-in", "active", "phase-out")
_COST_LINES_TOTAL = (
    "CAST(CASE WHEN "
    + " AND ".join(f"{c} IS NULL" for c in COST_LINE_FIELDS)
    + " THEN NULL ELSE "
    + " + ".join(f"coalesce({c}, 0)" for c in COST_LINE_FIELDS)
    + " END AS DECIMAL(18,2))"
)

# The one meaning of an application's yearly cost, read by every step, rule and report: the
# stated total (lines are often partial), else the lines; a negative figure is no cost.
CASHABLE_COST_FIELDS: tuple[str, ...] = ("cost_licence", "cost_support", "cost_hosting", "cost_other")
_ANNUAL_COST = (
    "CAST(CASE WHEN a.cost_total >= 0 THEN a.cost_total "
    f"WHEN {_COST_LINES_TOTAL} >= 0 THEN {_COST_LINES_TOTAL} END AS DECIMAL(18,2))"
)
_ANNUAL_CASHABLE_COST = (
    f"CAST(CASE WHEN {_COST_LINES_TOTAL} >= 0 THEN "
    + " + ".join(f"coalesce({c}, 0)" for c in CASHABLE_COST_FIELDS)
    + " END AS DECIMAL(18,2))"
)

VIEWS: tuple[View, ...] = (
    View(
        "v_applications",
        "Every column of `applications`, plus the flags and sums rules keep needing.",
        "SELECT a.*,\n"
        "  (a.lifecycle IS NULL OR a.lifecycle IN ("
        + ", ".join(f"'{v}'" for v in LIVE_LIFECYCLES)
        + ")) AS is_live,\n"
        f"  {_COST_LINES_TOTAL} AS cost_lines_total,\n"
        "  ("
        + " + ".join(f"({c} IS NOT NULL)::INTEGER" for c in COST_LINE_FIELDS)
        + ") AS cost_lines_count,\n"
        f"  {_ANNUAL_COST} AS annual_cost,\n"
        f"  {_ANNUAL_CASHABLE_COST} AS annual_cashable_cost,\n"
        "  CASE WHEN a.cost_total >= 0 THEN 'cost_total' "
        f"WHEN {_COST_LINES_TOTAL} >= 0 THEN 'cost lines' END AS annual_cost_source\n"
        "FROM applications a",
        (
            Column(
                "is_live",
                "BOOLEAN",
                "True when the lifecycle is phase-in, active or phase-out, **or unknown (NULL)**: an "
                "application listed in an inventory without a lifecycle is taken to be in use, so the "
                "rules about live applications (including the one that asks for a lifecycle) see it.",
            ),
            Column(
                "cost_lines_total",
                "DECIMAL(18,2)",
                "Sum of the cost lines given (licence, support, hosting, staff, other); NULL when none is.",
            ),
            Column("cost_lines_count", "INTEGER", "How many of the five cost lines are given."),
            Column(
                "annual_cost",
                "DECIMAL(18,2)",
                "**The** yearly cost every step, rule and report uses: `cost_total` when stated (lines are "
                "often partial), else `cost_lines_total`; NULL when neither is known or the figure is "
                "negative.",
            ),
            Column(
                "annual_cashable_cost",
                "DECIMAL(18,2)",
                "The part of the cost lines that stops being paid when the system goes: licence + support "
                "+ hosting + other (staff time is redeployed, not paid out); NULL when no line is given.",
            ),
            Column(
                "annual_cost_source",
                "VARCHAR",
                "Where `annual_cost` came from: `cost_total` or `cost lines`.",
            ),
        ),
    ),
    View(
        "v_app_capabilities",
        "Every column of `app_capabilities`, plus a matching key.",
        "SELECT c.*, lower(trim(c.capability)) AS capability_key FROM app_capabilities c",
        (Column("capability_key", "VARCHAR", "The capability lower-cased and trimmed, for matching."),),
    ),
    View("v_app_components", "`app_components` as stored.", "SELECT * FROM app_components"),
    View("v_app_dependencies", "`app_dependencies` as stored.", "SELECT * FROM app_dependencies"),
    View("v_load_warnings", "`load_warnings` as stored.", "SELECT * FROM load_warnings"),
    View("v_rejected_rows", "`rejected_rows` as stored.", "SELECT * FROM rejected_rows"),
    View("v_loads", "`loads` without the mapping JSON.", "SELECT * EXCLUDE (mapping) FROM loads"),
    View("v_organisations", "`organisations` as stored.", "SELECT * FROM organisations"),
    View("v_partnerships", "`partnerships` as stored.", "SELECT * FROM partnerships"),
    View(
        "v_capability_taxonomy",
        "One row per taxonomy capability and name it can be matched by (its code, name and each alias).",
        "SELECT t.taxonomy, t.code, t.name, lower(trim(k)) AS match_key\n"
        "FROM capability_taxonomy t, unnest(list_concat([t.code, t.name], coalesce(t.aliases, []))) AS u(k)\n"
        "WHERE k IS NOT NULL",
        (Column("match_key", "VARCHAR", "A code, name or alias lower-cased and trimmed."),),
    ),
)

VIEWS_BY_NAME: dict[str, View] = {v.name: v for v in VIEWS}


def view_ddl(view: View) -> str:
    return f'CREATE OR REPLACE VIEW "{view.name}" AS\n{view.sql}'


def render_schema_markdown() -> str:
    """Render docs/schema.md; a test compares the committed file to this output."""
    lines = [
        "# The canonical schema",
        "",
        "Generated from `src/appconsol/schema.py` by `appconsol schema -f markdown`; do not edit by "
        "hand (a test fails when this file is stale).",
        "",
        f"Schema version: **{SCHEMA_VERSION}**. Money is stored as `DECIMAL(18,2)` in one currency per "
        f"store (default {DEFAULT_CURRENCY}); an unknown amount is NULL, never 0.",
        "",
        "## Inventory fields",
        "",
        "Each field, its stored type, what it means and the headers it is recognised by (case, "
        "punctuation and spacing are ignored; fuzzy matching covers near misses).",
        "",
        "| field | kind | stored as | meaning | recognised headers |",
        "|---|---|---|---|---|",
    ]
    for f in APPLICATION_FIELDS:
        where = (
            f"`{f.sql_type}`"
            if f.stored
            else ("`app_capabilities`" if f.kind is Kind.LIST else "`app_components`")
        )
        aliases = ", ".join(f.aliases)
        lines.append(f"| `{f.name}` | {f.kind.value} | {where} | {f.description} | {aliases} |")
    lines += [
        "",
        "## Vocabularies",
        "",
        "Controlled fields map the values below onto the canonical term; the original text is kept in `originals`.",
        "",
    ]
    for f in APPLICATION_FIELDS:
        if not f.vocabulary:
            continue
        lines += [f"### `{f.name}`", "", "| stored value | accepted values |", "|---|---|"]
        for canonical, words in f.vocabulary.items():
            lines.append(f"| `{canonical}` | {', '.join(words)} |")
        lines.append("")
    lines += ["## Tables", ""]
    for t in TABLES:
        lines += [
            f"### `{t.name}`",
            "",
            f"Grain: {t.grain}.",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        for c in t.columns:
            lines.append(f"| `{c.name}` | `{c.sql_type}` | {c.description} |")
        lines.append("")
    lines += [
        "## Canonical views",
        "",
        "Rules read these views (and the tables analysis steps write), never the tables above "
        "directly, so the tables can change without breaking rules. Every store has them.",
        "",
    ]
    for v in VIEWS:
        lines += [f"### `{v.name}`", "", v.description, "", "```sql", v.sql, "```", ""]
        if v.derived:
            lines += ["| added column | type | meaning |", "|---|---|---|"]
            lines += [f"| `{c.name}` | `{c.sql_type}` | {c.description} |" for c in v.derived]
            lines.append("")
    lines += _analysis_tables_markdown()
    return "\n".join(lines).rstrip() + "\n"


def _analysis_tables_markdown() -> list[str]:
    """The tables the registered analysis steps write (each step declares them as `Table`s)."""
    from appconsol.engine.steps import order_steps, registered_steps

    steps = order_steps(registered_steps())
    if not steps:
        return []
    lines = [
        "## Analysis tables",
        "",
        "Written by the analysis steps, which run before the rules and rewrite their tables wholesale "
        "each run; rules may read them like the views above.",
        "",
    ]
    for step in steps:
        for t in step.writes:
            lines += [
                f"### `{t.name}`",
                "",
                f"Grain: {t.grain}. Written by the `{step.name}` step ({step.description.rstrip('.')}).",
                "",
                "| column | type | meaning |",
                "|---|---|---|",
            ]
            lines += [f"| `{c.name}` | `{c.sql_type}` | {c.description} |" for c in t.columns]
            lines.append("")
    return lines
