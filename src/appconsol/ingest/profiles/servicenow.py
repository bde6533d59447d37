"""ServiceNow's business application export."""

from __future__ import annotations

from appconsol.ingest.profiles.base import IGNORE, Profile

SERVICENOW = Profile(
    "servicenow",
    "ServiceNow business application export",
    ("number", "install type", "it application owner", "life cycle stage", "business criticality"),
    {
        "number": "app_id",
        "name": "name",
        "short description": "description",
        "install type": "hosting_model",
        "life cycle stage": "lifecycle",
        "lifecycle stage": "lifecycle",
        "life cycle stage status": IGNORE,
        "it application owner": "technical_owner",
        "business owner": "business_owner",
        "users supported": "user_count",
        "user base": "user_count",
        "annual cost": "cost_total",
        "technology stack": "components_runtime",
        "platform": "components_os",
        "business capability": "capabilities",
    },
)
