"""The columns (and their store types) and the row orders the plan workbook reads each table with."""

from __future__ import annotations

PLAN_ACTION_COLUMNS = {
    "action_id": "VARCHAR",
    "organisation": "VARCHAR",
    "app_id": "VARCHAR",
    "app_name": "VARCHAR",
    "action": "VARCHAR",
    "target_organisation": "VARCHAR",
    "target_app_id": "VARCHAR",
    "target_name": "VARCHAR",
    "group_id": "VARCHAR",
    "earliest_date": "DATE",
    "latest_date": "DATE",
    "wave_year": "BIGINT",
    "reason": "VARCHAR",
    "annual_run_cost": "DOUBLE",
    "annual_cashable": "DOUBLE",
    "annual_added_cost": "DOUBLE",
    "months_to_exit": "DOUBLE",
    "migrates": "BOOLEAN",
    "exit_fee": "DOUBLE",
    "effort": "DOUBLE",
    "saving_share": "DOUBLE",
    "size_factor": "DOUBLE",
    "support_end_year": "BIGINT",
    "cost_basis": "VARCHAR",
    "option": "BIGINT",
    "justification": "VARCHAR",
}
BASELINE_COLUMNS = {
    "organisation": "VARCHAR",
    "app_id": "VARCHAR",
    "app_name": "VARCHAR",
    "stated_cost": "DOUBLE",
    "excluded": "BOOLEAN",
    "exclusion": "VARCHAR",
    "annual_run_cost": "DOUBLE",
    "cost_basis": "VARCHAR",
    "cost_method": "VARCHAR",
    "support_end_year": "BIGINT",
}
FINDING_COLUMNS = {
    "severity": "VARCHAR",
    "rule_code": "VARCHAR",
    "rule_name": "VARCHAR",
    "category": "VARCHAR",
    "organisation": "VARCHAR",
    "app_id": "VARCHAR",
    "application": "VARCHAR",
    "message": "VARCHAR",
    "evidence": "VARCHAR",
    "source_file": "VARCHAR",
    "source_sheet": "VARCHAR",
    "source_row": "BIGINT",
    "waived": "BOOLEAN",
    "waiver_reason": "VARCHAR",
    "finding_key": "VARCHAR",
}
FINDING_KEYS = {"organisation": "VARCHAR", "app_id": "VARCHAR"}
# A total order (finding_key is unique), so reading the keys and reading the rows agree row by row.
FINDINGS_ORDER = "organisation NULLS FIRST, app_id NULLS FIRST, rule_code, finding_key"
LEGACY_ORDER = "organisation, app_id, rowid"  # rowid: a total order, so two reads agree row by row
LEGACY_COLUMNS = {
    "organisation": "VARCHAR",
    "app_id": "VARCHAR",
    "likelihood": "DOUBLE",
    "impact": "DOUBLE",
    "score": "DOUBLE",
    "red_rated": "BOOLEAN",
    "rag": "VARCHAR",
    "derived": "BOOLEAN",
    "worst_support_status": "VARCHAR",
    "earliest_eol": "DATE",
    "months_to_eol": "DOUBLE",
    "evidence": "VARCHAR",
}
DISPOSITION_COLUMNS = {
    "organisation": "VARCHAR",
    "app_id": "VARCHAR",
    "time_category": "VARCHAR",
    "disposition": "VARCHAR",
    "decided_by": "VARCHAR",
    "reason": "VARCHAR",
    "confidence": "VARCHAR",
    "missing_facts": "VARCHAR",
    "constraints": "VARCHAR",
}
GROUP_COLUMNS = {
    "group_id": "VARCHAR",
    "scope": "VARCHAR",
    "partnership": "VARCHAR",
    "capability_code": "VARCHAR",
    "capability_name": "VARCHAR",
    "kind": "VARCHAR",
    "members": "BIGINT",
    "organisations": "BIGINT",
    "annual_cost": "DOUBLE",
}
MEMBER_COLUMNS = {"group_id": "VARCHAR", "organisation": "VARCHAR", "app_id": "VARCHAR", "role": "VARCHAR"}
PARTNER_COLUMNS = {"action_id": "VARCHAR", "organisation": "VARCHAR", "share": "DOUBLE"}
REJECTED_COLUMNS = {
    "source_file": "VARCHAR",
    "source_sheet": "VARCHAR",
    "source_row": "BIGINT",
    "organisation": "VARCHAR",
    "reason": "VARCHAR",
    "raw": "VARCHAR",
}
WARNING_COLUMNS = {
    "source_file": "VARCHAR",
    "source_sheet": "VARCHAR",
    "source_row": "BIGINT",
    "organisation": "VARCHAR",
    "app_id": "VARCHAR",
    "source_column": "VARCHAR",
    "field": "VARCHAR",
    "value": "VARCHAR",
    "problem": "VARCHAR",
}
LOAD_COLUMNS = {
    "file_name": "VARCHAR",
    "source_sheet": "VARCHAR",
    "organisation": "VARCHAR",
    "profile": "VARCHAR",
    "content_hash": "VARCHAR",
    "rows_read": "BIGINT",
    "rows_loaded": "BIGINT",
    "rows_rejected": "BIGINT",
    "warnings": "BIGINT",
    "loaded_at": "TIMESTAMP",
}
RULE_RUN_COLUMNS = {
    "kind": "VARCHAR",
    "code": "VARCHAR",
    "status": "VARCHAR",
    "findings": "BIGINT",
    "seconds": "DOUBLE",
    "error": "VARCHAR",
    "as_of": "DATE",
    "started_at": "TIMESTAMP",
}
SNAPSHOT_COLUMNS = {"name": "VARCHAR", "snapshot_date": "DATE", "source": "VARCHAR", "licence": "VARCHAR"}
