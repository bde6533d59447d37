"""Azure Migrate (and AWS-style) discovered application lists."""

from __future__ import annotations

from appconsol.ingest.profiles.base import IGNORE, Profile

AZURE_MIGRATE = Profile(
    "azure-migrate",
    "Azure Migrate / AWS-style discovered application list",
    ("machine name", "application", "version", "provider"),
    {
        "application": "name",
        "applicationname": "name",
        "application name": "name",
        "provider": "vendor",
        "machine name": IGNORE,
        "server name": IGNORE,
        "operating system": "components_os",
    },
)
