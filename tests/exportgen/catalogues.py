"""Export layouts of the tools councils and trusts export their application lists from.

Each `Layout` records facts about one tool's export: the column headers it writes (each with the
spellings seen across versions, e.g. a label in the Excel export and the element name in the CSV
export), the vocabularies of its controlled values, and how it writes money and dates. The source
of those facts is noted above each catalogue. Where the public documentation found did not list a
tool's export columns, the layout says so and keeps to the fields its documentation describes.

`Col.field` is the canonical field the loader should map a column to. `None` means the column must
not feed a field the judge checks (a trap: its header resembles a field its values contradict, or
it is simply extra), and `ANY` means any mapping is acceptable as long as the values fit. An id
column whose header is not a plain id header (a GUID, a tool's internal key) is `ANY`: the loader
may use it as `app_id` (then it must be exact) or derive ids from names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANY = "*"


@dataclass(frozen=True)
class Col:
    key: str  # what the generator puts in it (see generate._cell_value)
    headers: tuple[str, ...]  # spellings of the header in this tool's exports
    field: str | None  # canonical field it must map to; None = no checked field; ANY = don't care
    p: float = 1.0  # probability the column is present in an export
    values: tuple[str, ...] = ()  # vocabulary for enum columns


@dataclass(frozen=True)
class Layout:
    tool: str
    source: str
    columns: tuple[Col, ...]
    kinds: tuple[str, ...] = ("csv", "xlsx")  # file types the tool writes
    sheet_names: tuple[str, ...] = ("Sheet1",)
    org_modes: tuple[str, ...] = ("arg",)  # column = an organisation column; arg = --org
    quote_all: bool = False  # CSV writer quotes every field (ServiceNow, Archi)
    other_sheets: tuple[str, ...] = ()  # further sheets the tool writes beside the list
    notes: tuple[str, ...] = field(default_factory=tuple)


ORG_COL = Col(
    "org",
    ("Organisation", "Organisation Name", "Council", "Trust", "Body", "Owning Organisation"),
    "organisation",
)
# Costs as councils add them to any tool (custom fields) and to their own registers.
COST_LICENCE = Col(
    "money",
    ("Licence Cost", "Annual Licence Cost", "Licence", "License Cost", "Licence Fee", "Subscription Cost"),
    "cost_licence",
    0.6,
)
COST_SUPPORT = Col(
    "money",
    (
        "Support Cost",
        "Support & Maintenance",
        "Maintenance Cost",
        "Annual Support",
        "Support and Maintenance",
    ),
    "cost_support",
    0.5,
)
COST_HOSTING = Col(
    "money",
    ("Hosting Cost", "Infrastructure Cost", "Annual Hosting", "Hosting Charges"),
    "cost_hosting",
    0.35,
)
COST_STAFF = Col("money", ("Internal Staff Cost", "Staff Cost", "FTE Cost"), "cost_staff", 0.15)
COST_TOTAL = Col(
    "money",
    ("Total Cost", "Annual Cost", "Total Annual Cost", "TCO", "Annual Running Cost"),
    "cost_total",
    0.5,
)

# Traps: headers that resemble a cost or name field, with values that contradict it.
TRAP_LICENCE_TYPE = Col(
    "enum",
    ("Licence Type", "License Model", "Licensing Model"),
    None,
    0.2,
    ("Perpetual", "Subscription", "Concurrent user", "Named user", "Site licence"),
)
TRAP_COST_CENTRE = Col("costcentre", ("Cost Centre", "Cost Center", "Cost Centre Code"), None, 0.2)
TRAP_SUPPORT_EMAIL = Col("email", ("Support Contact Email", "Support Email", "Support Mailbox"), None, 0.15)
TRAP_SUBSCRIPTION_END = Col("date", ("Subscription End", "Licence Expiry Date"), ANY, 0.15)
TRAP_APP_TYPE = Col(
    "enum",
    ("Application Type", "App Type", "Software Type"),
    None,
    0.3,
    ("SaaS", "Custom Built", "Commercial Off-The-Shelf", "COTS", "In-house"),
)
EXTRA_LAST_REVIEWED = Col("date_past", ("Last Reviewed", "Date Last Reviewed", "Review Date"), ANY, 0.2)
EXTRA_RAG = Col("enum", ("RAG", "RAG Status", "Risk RAG"), ANY, 0.15, ("Red", "Amber", "Green"))
EXTRA_COMMENTS = Col("text", ("Comments", "Notes", "Additional Information"), ANY, 0.25)


# ServiceNow APM, Business Application [cmdb_ci_business_app] list export.
# Source: https://www.servicenow.com/docs/r/application-portfolio-management/eaw-business-application-form.html
# (fields, Application type / Architecture type / Install type / Status vocabularies). From how list
# exports behave, not from that page: the Excel export writes column labels, the CSV export writes
# element names (second spelling) with every field quoted, and Excel exports name the sheet "Page 1".
SERVICENOW = Layout(
    "servicenow",
    "https://www.servicenow.com/docs/r/application-portfolio-management/eaw-business-application-form.html",
    (
        Col("id_apm", ("Number", "number"), "app_id"),
        Col("name", ("Name", "name"), "name"),
        Col("text", ("Short description", "short_description", "Description"), ANY, 0.7),
        Col(
            "enum",
            ("Application type", "application_type"),
            None,
            0.6,
            ("Homegrown", "COTS", "SaaS", "End-user computing"),
        ),
        Col(
            "enum",
            ("Architecture type", "architecture_type"),
            ANY,
            0.4,
            ("Client Server", "N-Tier", "Web-based", "Other", "Platform Host"),
        ),
        Col(
            "hosting",
            ("Install type", "install_type"),
            "hosting_model",
            0.7,
            ("On Premise", "Cloud", "Hybrid", "Third Party Hosted"),
        ),
        Col(
            "lifecycle",
            ("Status", "operational_status"),
            "lifecycle",
            0.6,
            ("In Production", "Pilot", "Retired", "Implementing"),
        ),
        Col(
            "enum",
            ("Business criticality", "business_criticality"),
            ANY,
            0.6,
            ("1 - most critical", "2 - somewhat critical", "3 - less critical", "4 - not critical"),
        ),
        Col("person", ("IT Application owner", "it_application_owner"), ANY, 0.6),
        Col("person", ("Business owner", "owned_by"), ANY, 0.5),
        Col("group", ("Support group", "support_group", "Managed by group"), ANY, 0.4),
        Col("vendor", ("Vendor", "vendor", "Publisher"), "vendor", 0.6),
        Col("date", ("Contract end date", "contract_end_date"), "contract_end", 0.5),
        Col("users", ("User base", "user_base"), "user_count", 0.4),
        Col("date_past", ("Installed", "install_date"), ANY, 0.3),
        Col("dept", ("Department", "department", "Business Unit"), ANY, 0.4),
        Col(
            "enum",
            ("Planned Disposition", "planned_disposition"),
            ANY,
            0.2,
            ("Invest", "Sustain", "Migrate", "Retire"),
        ),
        Col("datetime", ("Updated", "sys_updated_on"), ANY, 0.5),
        Col("username", ("Updated by", "sys_updated_by"), ANY, 0.4),
        Col("money", ("Annual cost", "u_annual_cost"), "cost_total", 0.4),
        TRAP_COST_CENTRE,
    ),
    sheet_names=("Page 1",),
    org_modes=("arg", "arg", "column"),
    quote_all=True,
)

# LeanIX (SAP LeanIX EAM) inventory table-view Excel export of Application fact sheets.
# Source: https://docs-eam.leanix.net/docs/import-export-your-data (id, type and name columns are
# always there; a Readme sheet beside the data) and https://docs-eam.leanix.net/docs/reporting-views
# (lifecycle phases Plan / Phase In / Active / Phase Out / End of Life, as one date column per
# phase; functional fit Unreasonable / Insufficient / Appropriate / Perfect). Costs live on the
# relation to IT components ("Total annual cost"). Headers come as labels or as keys.
LEANIX = Layout(
    "leanix",
    "https://docs-eam.leanix.net/docs/import-export-your-data",
    (
        Col("id_uuid", ("ID", "id"), "app_id"),
        Col("const:Application", ("Type", "type"), None),
        Col("name", ("Name", "name"), "name", 0.75),
        Col("display_name", ("Display Name", "displayName", "Full Name"), ANY, 0.6),
        Col("text", ("Description", "description"), ANY, 0.6),
        Col("phase:plan", ("Lifecycle: Plan", "lifecycle:plan"), "lifecycle", 0.3),
        Col("phase:phase-in", ("Lifecycle: Phase In", "lifecycle:phaseIn"), "lifecycle", 0.6),
        Col("phase:active", ("Lifecycle: Active", "lifecycle:active"), "lifecycle", 0.9),
        Col("phase:phase-out", ("Lifecycle: Phase Out", "lifecycle:phaseOut"), "lifecycle", 0.6),
        Col("phase:retired", ("Lifecycle: End Of Life", "lifecycle:endOfLife"), "lifecycle", 0.5),
        Col(
            "enum",
            ("Business Criticality", "businessCriticality"),
            ANY,
            0.6,
            ("missionCritical", "businessCritical", "businessOperational", "administrativeService"),
        ),
        Col(
            "enum",
            ("Functional Fit", "functionalSuitability"),
            ANY,
            0.5,
            ("unreasonable", "insufficient", "appropriate", "perfect"),
        ),
        Col(
            "enum",
            ("Technical Fit", "technicalSuitability"),
            ANY,
            0.5,
            ("inappropriate", "unreasonable", "adequate", "fullyAppropriate"),
        ),
        Col(
            "hosting",
            ("Hosting Type", "hostingType"),
            "hosting_model",
            0.4,
            ("SaaS", "PaaS", "IaaS", "On-Premise"),
        ),
        Col("vendor", ("Provider", "Providers"), "vendor", 0.5),
        Col("email", ("Subscriptions: Responsible", "Responsible"), ANY, 0.4),
        Col("money", ("IT Components: Total Annual Cost", "Total annual cost"), "cost_total", 0.4),
        TRAP_APP_TYPE,
        TRAP_SUBSCRIPTION_END,
        Col("text_tags", ("Tags", "tags"), ANY, 0.3),
    ),
    kinds=("xlsx", "xlsx", "csv"),
    sheet_names=("Export", "Applications", "Sheet1"),
    other_sheets=("Readme",),
    org_modes=("arg",),
)

# Ardoq Excel import/export: one sheet per component type (Applications, Business-units,
# Capabilities) and one per reference type ("BU -> Applications"); components carry Name,
# Description, Type, Parent and custom fields.
# Source: https://help.ardoq.com/en/articles/43943-excel-integration
ARDOQ = Layout(
    "ardoq",
    "https://help.ardoq.com/en/articles/43943-excel-integration",
    (
        Col("id_ardoq", ("Ardoq ID", "_id", "Ardoq Oid"), ANY, 0.6),
        Col("name", ("Name",), "name"),
        Col("const:Application", ("Type", "Component Type"), None, 0.7),
        Col("text", ("Description",), ANY, 0.7),
        Col("dept", ("Parent",), ANY, 0.3),
        Col(
            "lifecycle",
            ("Lifecycle Phase", "Lifecycle"),
            "lifecycle",
            0.5,
            ("Live", "Planned", "Retiring", "Decommissioned"),
        ),
        Col(
            "hosting",
            ("Hosting", "Hosting Model"),
            "hosting_model",
            0.5,
            ("Cloud", "On Premise", "Hosted", "SaaS"),
        ),
        Col("person", ("Business Owner", "Owner"), ANY, 0.5),
        Col("date_past", ("Live From", "Go Live"), ANY, 0.3),
        Col("vendor", ("Vendor", "Supplier"), "vendor", 0.6),
        COST_LICENCE,
        COST_SUPPORT,
        COST_TOTAL,
    ),
    kinds=("xlsx",),
    sheet_names=("Applications",),
    other_sheets=("Business-units", "Capabilities", "BU -> Applications"),
)

# Software AG Alfabet application list export. No public page listing its export columns was
# found; the layout keeps to the Application class attributes its documentation names
# (name, short name, version, object state, start/end dates, responsible user/organisation).
ALFABET = Layout(
    "alfabet",
    "no public export column list found; attributes of Alfabet's Application class",
    (
        Col("id_ref", ("ID", "Application ID"), "app_id", 0.6),
        Col("name", ("Name",), "name"),
        Col("text", ("Short Name",), ANY, 0.4),
        Col("version", ("Version",), ANY, 0.6),
        Col("text", ("Description",), ANY, 0.5),
        Col("lifecycle", ("Object State", "Status"), "lifecycle", 0.6, ("Active", "Planned", "Retired")),
        Col("date_past", ("Start Date",), ANY, 0.5),
        Col("date", ("End Date",), ANY, 0.4),
        Col("person", ("Responsible User", "Responsible"), ANY, 0.5),
        Col("dept", ("Responsible Organizations",), ANY, 0.4),
        Col("vendor", ("Vendor", "Manufacturer"), "vendor", 0.5),
        COST_LICENCE,
        COST_SUPPORT,
        COST_TOTAL,
    ),
    sheet_names=("Applications", "Report"),
    org_modes=("arg", "column"),
)

# Orbus iServer / OrbusInfinity application catalogue export (Excel). The product page describes
# the catalogue's attributes (owner, lifecycle status, business criticality); no column list for
# the export was found.
# Source: https://www.orbussoftware.com/use-case-detail/application-architecture
ORBUS = Layout(
    "orbus",
    "https://www.orbussoftware.com/use-case-detail/application-architecture",
    (
        Col("name", ("Name", "Object Name"), "name"),
        Col("const:Application", ("Object Type",), None, 0.7),
        Col("text", ("Description",), ANY, 0.6),
        Col(
            "lifecycle",
            ("Lifecycle Status", "Application Status"),
            "lifecycle",
            0.7,
            ("Live", "In Development", "Sunset", "Retired", "Planned"),
        ),
        Col("enum", ("Business Criticality",), ANY, 0.6, ("High", "Medium", "Low", "Critical")),
        Col("person", ("Application Owner", "Owner"), ANY, 0.6),
        Col("vendor", ("Vendor", "Supplier"), "vendor", 0.6),
        Col("date", ("Contract End Date", "Contract Expiry"), "contract_end", 0.4),
        COST_LICENCE,
        COST_SUPPORT,
        COST_HOSTING,
        COST_TOTAL,
    ),
    kinds=("xlsx",),
    sheet_names=("Application", "Export"),
    org_modes=("arg", "column"),
)

# Sparx Enterprise Architect CSV export specification: element properties (GUID, Name, Type,
# Stereotype, Alias, Notes, Author, Status, Version, Phase) and tagged values as further
# columns. Element Status vocabulary: Proposed / Approved / Implemented / Mandatory / Validated.
# No public page for the export spec turned up in the search; these are EA's element properties.
SPARX = Layout(
    "sparx",
    "no public export page found; Enterprise Architect element properties and default Status values",
    (
        Col("id_sparx", ("GUID", "CSV_KEY"), ANY, 0.8),
        Col("name", ("Name",), "name"),
        Col("const:Component", ("Type",), None),
        Col("const:ApplicationComponent", ("Stereotype",), None, 0.6),
        Col("text", ("Alias",), ANY, 0.3),
        Col("text", ("Notes",), ANY, 0.6),
        Col("person", ("Author",), ANY, 0.6),
        Col("enum", ("Status",), ANY, 0.7, ("Proposed", "Approved", "Implemented", "Mandatory", "Validated")),
        Col("version", ("Version",), ANY, 0.6),
        Col("enum", ("Phase",), ANY, 0.4, ("1.0", "2.0")),
        Col("vendor", ("Vendor", "Supplier"), "vendor", 0.5),
        Col("money", ("AnnualCost", "Annual Cost"), "cost_total", 0.4),
    ),
    kinds=("csv",),
    org_modes=("arg",),
)

# BiZZdesign Enterprise Studio / Horizzon: ArchiMate objects exported to Excel with identifier,
# name, type, documentation and profile properties. No export column list was found publicly.
BIZZDESIGN = Layout(
    "bizzdesign",
    "no public export column list found; ArchiMate object attributes with profile properties",
    (
        Col("id_archi", ("Identifier", "ID"), ANY, 0.7),
        Col("name", ("Name",), "name"),
        Col("const:Application component", ("Type", "Object type"), None),
        Col("text", ("Documentation",), ANY, 0.6),
        Col(
            "lifecycle",
            ("Lifecycle status", "Lifecycle"),
            "lifecycle",
            0.5,
            ("Active", "Phase out", "Plan", "Retired"),
        ),
        Col("person", ("Owner", "Application owner"), ANY, 0.5),
        Col("vendor", ("Supplier", "Vendor"), "vendor", 0.6),
        Col("money", ("Cost (annual)", "Annual costs"), "cost_total", 0.5),
        COST_LICENCE,
    ),
    kinds=("xlsx",),
    sheet_names=("Application components", "Objects"),
)

# MEGA HOPEX application characteristics: Name, internal Code, Application type, Cloud Computing
# (On premises / IAAS / PAAS / SAAS), Comment; indicators Business Value, Functional Support,
# Technology Efficiency, Obsolescence Risk.
# Source: https://doc.mega.com/hopex-v5-en/ITBM/MEGA_APM_Inventaire.Application_Characteristics.html
HOPEX = Layout(
    "hopex",
    "https://doc.mega.com/hopex-v5-en/ITBM/MEGA_APM_Inventaire.Application_Characteristics.html",
    (
        Col("name", ("Name", "Application"), "name"),
        Col("id_ref", ("Code",), ANY, 0.7),
        Col(
            "enum",
            ("Application type", "Application Type"),
            None,
            0.6,
            ("Software package", "Specific development", "SaaS"),
        ),
        Col("hosting", ("Cloud Computing",), "hosting_model", 0.6, ("On premises", "IAAS", "PAAS", "SAAS")),
        Col("text", ("Comment",), ANY, 0.5),
        Col("enum", ("Business Value",), ANY, 0.4, ("High", "Medium", "Low")),
        Col("enum", ("Obsolescence Risk",), ANY, 0.4, ("High", "Medium", "Low", "None")),
        Col("vendor", ("Software Provider", "Editor"), ANY, 0.4),
        Col("money", ("Cost of ownership", "Total cost of ownership"), "cost_total", 0.5),
    ),
    kinds=("xlsx",),
    sheet_names=("Application", "Applications"),
    org_modes=("arg", "column"),
)

# Azure Migrate: the appliance's software inventory (installed applications, roles and features per
# server; server name as discovered), exported one row per server and application: machine name,
# application, version, provider. Rows repeat an application across machines.
# Source: https://learn.microsoft.com/en-us/azure/migrate/discovered-metadata
AZURE_MIGRATE = Layout(
    "azure-migrate",
    "https://learn.microsoft.com/en-us/azure/migrate/discovered-metadata",
    (
        Col("machine", ("Machine Name", "MachineName", "Server Name"), None),
        Col("name", ("Application", "Application Name"), "name"),
        Col("version", ("Version",), ANY),
        Col("vendor", ("Provider", "Publisher"), "vendor"),
        Col("const:Windows", ("Operating System", "OS"), ANY, 0.4),
    ),
    kinds=("xlsx", "csv"),
    sheet_names=("Software inventory", "Applications"),
    other_sheets=("Roles and Features", "SQL Server instances"),
)

# AWS Migration Hub / Application Discovery Service: applications (groups of servers, created with a
# name and a description) exported as CSV with their id, name, description and server count.
# Source: the Application Discovery Service API reference (CreateApplication takes name and
# description; discovered data exports as CSV), as its SDK docs state; the export column labels
# were not found in a public page.
AWS_MIGRATION_HUB = Layout(
    "aws-migration-hub",
    "https://docs.aws.amazon.com/application-discovery/latest/userguide/",
    (
        Col("id_aws", ("Application ID", "Application Id"), "app_id"),
        Col("name", ("Application name", "Name", "name"), "name"),
        Col("text", ("Description", "description"), ANY, 0.6),
        Col("count", ("Servers", "serverCount", "Number of servers"), None, 0.7),
        Col(
            "enum",
            ("Migration status", "migrationStatus"),
            ANY,
            0.5,
            ("NOT_STARTED", "IN_PROGRESS", "COMPLETED"),
        ),
        Col("datetime", ("Last updated", "lastUpdatedTime"), ANY, 0.4),
    ),
    kinds=("csv",),
)

# Flexera (FlexNet Manager / Flexera One IT Visibility) and Snow License Manager application lists:
# publisher/manufacturer, application, version, edition, installation and licence counts,
# compliance. Source (field set): https://docs.citrix.com/us/en/uberagent/8-x/metrics/applications/inventory-and-usage.html
# lists the same installed-software facts (DisplayName, DisplayVersion, Publisher, InstallDate);
# no Flexera or Snow export column page was found publicly.
FLEXERA_SNOW = Layout(
    "flexera-snow",
    "no public Flexera/Snow export column page found; installed-software facts as in uberAgent's inventory docs",
    (
        Col("vendor", ("Publisher", "Manufacturer"), "vendor"),
        Col("name", ("Application", "Application Name", "Product"), "name"),
        Col("version", ("Version",), ANY, 0.8),
        Col("enum", ("Edition",), ANY, 0.4, ("Standard", "Enterprise", "Professional")),
        Col("count", ("Installations", "Installed", "Installation Count"), None, 0.8),
        Col("count", ("Entitlements", "Purchased"), ANY, 0.5),
        Col(
            "enum",
            ("Compliance", "License Compliance"),
            None,
            0.5,
            ("Compliant", "Under-licensed", "Over-licensed", "Unlicensed"),
        ),
        Col("money", ("Total Cost", "Annual Cost"), "cost_total", 0.2),
    ),
    kinds=("xlsx", "csv"),
    sheet_names=("Applications", "Application Compliance"),
)

# Lansweeper report "Software: List of software by computer" (software name, publisher, version,
# asset name); installations and licence keys are separate reports. The camelCase spellings are the
# report's database column names (tblSoftwareUni.softwareName ...), not from that page.
# Source: https://www.lansweeper.com/knowledgebase/software-installations-vs-software-license-keys/
LANSWEEPER = Layout(
    "lansweeper",
    "https://www.lansweeper.com/knowledgebase/software-installations-vs-software-license-keys/",
    (
        Col("machine", ("AssetName", "Asset Name"), None),
        Col("name", ("Software", "softwareName", "Software Name"), "name"),
        Col("version", ("Version", "softwareVersion"), ANY),
        Col("vendor", ("Publisher", "softwarePublisher"), "vendor"),
        Col("date_past", ("Install date", "Installdate"), ANY, 0.4),
        Col("const:corp", ("Domain",), None, 0.4),
    ),
    kinds=("xlsx", "csv"),
    sheet_names=("Report", "Sheet1"),
)

# TOPdesk asset management export: asset name, type, status, supplier, person/branch, contract
# end. No public page with the export columns was found; fields as TOPdesk asset cards show them.
TOPDESK = Layout(
    "topdesk",
    "no public export column list found; TOPdesk asset card fields",
    (
        Col("id_ref", ("ID", "Asset ID"), "app_id", 0.5),
        Col("name", ("Name", "Asset name"), "name"),
        Col("const:Application", ("Asset type", "Type"), None, 0.7),
        Col("lifecycle", ("Status",), "lifecycle", 0.5, ("In use", "In production", "Archived", "Planned")),
        Col("vendor", ("Supplier",), "vendor", 0.6),
        Col("date", ("Contract end date", "End date contract"), "contract_end", 0.5),
        Col("dept", ("Branch", "Department"), ANY, 0.4),
        Col("person", ("Person", "Contact person"), ANY, 0.4),
        COST_LICENCE,
        COST_TOTAL,
    ),
    sheet_names=("Assets", "Export"),
    org_modes=("arg", "column"),
)

# Jira Service Management Assets: object export CSV, a header of the object type's attribute names
# (Key, Name, Created, Updated and the custom attributes); delimiter comma or semicolon; encodings
# UTF-8, UTF-16, ISO-8859-1/15, Windows-1250/1252; multiple values joined with "||"; Assets' own date
# format is MM/dd/yyyy (so month-first dates turn up in exports).
# Sources: https://support.atlassian.com/jira-service-management-cloud/docs/export-objects/ and
# https://support.atlassian.com/jira-service-management-cloud/docs/prepare-your-data-for-importing-into-assets/
JIRA_ASSETS = Layout(
    "jira-assets",
    "https://support.atlassian.com/jira-service-management-cloud/docs/export-objects/",
    (
        Col("id_jira", ("Key", "Object Key"), ANY),
        Col("name", ("Name",), "name"),
        Col("datetime", ("Created",), ANY),
        Col("datetime", ("Updated",), ANY),
        Col("lifecycle", ("Status",), "lifecycle", 0.6, ("Active", "Retired", "Planned", "In Use")),
        Col("vendor", ("Vendor", "Supplier"), "vendor", 0.6),
        Col("person", ("Owner", "Service Owner"), ANY, 0.5),
        Col("hosting", ("Hosting",), "hosting_model", 0.4, ("SaaS", "On Premise", "IaaS", "Private Cloud")),
        Col("money", ("Annual Cost",), "cost_total", 0.4),
        Col("date", ("Renewal Date", "Contract End"), "contract_end", 0.4),
    ),
    kinds=("csv",),
    quote_all=True,
)

# Archi "Export Model to CSV": elements.csv with "ID","Type","Name","Documentation",
# "Specialization", every field quoted; the model itself is the first row (type
# ArchimateModel); every element type, not only applications. Properties go to properties.csv.
# Source: /work/shared/data/archi-archisurance (Archi's own example export) and
# https://www.archimatetool.com/ (Archi user guide, CSV export).
ARCHI = Layout(
    "archi",
    "Archi's CSV export (Archisurance example, ../shared/data/archi-archisurance/derived-elements.csv)",
    (
        Col("id_archi", ("ID",), ANY),
        Col("archi_type", ("Type",), None),
        Col("name", ("Name",), "name"),
        Col("text", ("Documentation",), ANY),
        Col("const:", ("Specialization",), None),
    ),
    kinds=("csv",),
    quote_all=True,
)

# Hand-made registers as councils and trusts publish and circulate them (FOI releases,
# transparency data): a reference, the system, supplier, service area, owner, costs by line,
# contract end, users; often title rows, a units row, a total row and merged cost headers.
REGISTER = Layout(
    "register",
    "hand-made application registers (shapes seen in UK council and NHS FOI releases)",
    (
        Col("id_ref", ("Ref", "Ref No", "App ID", "Reference", "ID"), "app_id", 0.5),
        Col(
            "name",
            ("Application", "Application Name", "System", "System Name", "Application / System"),
            "name",
        ),
        Col("vendor", ("Supplier", "Vendor", "Supplier Name"), "vendor", 0.8),
        Col("dept", ("Service Area", "Directorate", "Department", "Business Area"), ANY, 0.6),
        Col("person", ("Business Owner", "System Owner", "Information Asset Owner"), ANY, 0.5),
        Col("text", ("Purpose", "Description", "What it does"), ANY, 0.4),
        Col(
            "hosting",
            ("Hosting", "Hosted", "Where Hosted"),
            "hosting_model",
            0.5,
            ("On premise", "Cloud", "Hosted", "SaaS", "Council data centre"),
        ),
        COST_LICENCE,
        COST_SUPPORT,
        COST_HOSTING,
        COST_STAFF,
        COST_TOTAL,
        Col(
            "date",
            ("Contract End", "Contract End Date", "Contract Expiry", "Renewal Date"),
            "contract_end",
            0.5,
        ),
        Col("users", ("No. of Users", "Number of Users", "Users"), "user_count", 0.4),
        TRAP_LICENCE_TYPE,
        TRAP_COST_CENTRE,
        TRAP_SUPPORT_EMAIL,
        TRAP_APP_TYPE,
        EXTRA_LAST_REVIEWED,
        EXTRA_RAG,
        EXTRA_COMMENTS,
    ),
    sheet_names=("Applications", "Register", "Sheet1", "Application Register", "Systems"),
    org_modes=("column", "arg", "column"),
)

LAYOUTS: tuple[Layout, ...] = (
    SERVICENOW,
    LEANIX,
    ARDOQ,
    ALFABET,
    ORBUS,
    SPARX,
    BIZZDESIGN,
    HOPEX,
    AZURE_MIGRATE,
    AWS_MIGRATION_HUB,
    FLEXERA_SNOW,
    LANSWEEPER,
    TOPDESK,
    JIRA_ASSETS,
    ARCHI,
    REGISTER,
)
LAYOUTS_BY_TOOL = {layout.tool: layout for layout in LAYOUTS}

# Archi element types other than applications, as the Archisurance example lists them.
ARCHI_OTHER_TYPES = (
    "BusinessActor",
    "BusinessRole",
    "BusinessProcess",
    "BusinessService",
    "BusinessObject",
    "DataObject",
    "Node",
    "Device",
    "SystemSoftware",
    "ApplicationService",
    "ApplicationInterface",
)
ARCHI_OTHER_NAMES = (
    "Customer",
    "Insurant",
    "Handle Claim",
    "Claim Registration Service",
    "Customer File",
    "Mainframe",
    "Unix Server Farm",
    "DBMS",
    "Policy Data Management",
    "Web Portal Interface",
    "Payment Service",
)
