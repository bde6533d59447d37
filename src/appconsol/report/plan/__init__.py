"""The consolidation plan workbook (and its tables as CSV, Parquet or JSON for BI tools)."""

from appconsol.report.plan.workbook import PlanSummary, PlanWriteError, write_plan

__all__ = ["PlanSummary", "PlanWriteError", "write_plan"]
