"""The savings model's assumptions: every input, its default, its unit and the source of the default.

Defaults follow HM Treasury's Green Book (2022) where it gives one (the 3.5% real discount rate;
the optimism-bias bounds of its supplementary guidance, Table 1: equipment/development projects,
capital expenditure upper 200% and lower 10%, works duration upper 54% and lower 10%); the others
are planning assumptions, labelled as such, to be replaced with a framework's rates and quotes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def financial_year(day: dt.date) -> int:
    """The UK financial year (April to March) holding a day, by the year it starts (2026 for 2026-27)."""
    return day.year if day.month >= 4 else day.year - 1


# Actions that change an application (the others, keep and invest, cost and save nothing).
MIGRATING = ("consolidate", "share", "retire", "rehost", "replatform", "repurchase", "refactor")

# How far each action type starts along the Green Book mitigation route for optimism bias: the
# share of the gap between the upper and lower bounds taken as already mitigated, because the
# contributory factors that drive overruns (novel technology, complex requirements, degree of
# innovation) are absent or smaller for that kind of work. Planning assumptions, to be replaced
# with the evidence of a risk register; 0 keeps the upper bound.
OB_MITIGATION = {
    "refactor": 0.0,  # rewriting code: development work, the upper bound applies
    "replatform": 0.25,  # changing the platform under the same application
    "repurchase": 0.25,  # moving onto the vendor's SaaS edition: configuration and data
    "consolidate": 0.5,  # users move onto a system already in service in the same body
    "share": 0.5,  # users move onto a partner's system already in service
    "rehost": 0.5,  # lift and shift with no code change
    "retire": 0.75,  # archive and switch off: no new system at all
}


@dataclass(frozen=True)
class Assumption:
    """One input to the savings model, as the Assumptions sheet shows it."""

    name: str
    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class Assumptions:
    discount_rate: float = 0.035
    horizon_short_years: int = 5
    horizon_long_years: int = 10
    optimism_bias_capital: float = 2.00
    optimism_bias_duration: float = 0.54
    optimism_bias_capital_lower: float = 0.10
    day_rate: float = 650.0
    migration_days: float = 40.0
    data_migration_days: float = 15.0
    dual_running_months: float = 3.0
    training_days: float = 5.0
    exit_fee: float = 0.0
    lead_time_months: float = 6.0
    staff_cost_cashable: bool = False
    effort_retire: float = 0.25
    effort_rehost: float = 0.5
    effort_replatform: float = 1.0
    effort_repurchase: float = 1.0
    effort_refactor: float = 2.0
    saving_share_rehost: float = 0.10
    saving_share_replatform: float = 0.20
    saving_share_repurchase: float = 0.15
    saving_share_refactor: float = 0.25
    ob_mitigation_consolidate: float = 0.5
    ob_mitigation_share: float = 0.5
    ob_mitigation_retire: float = 0.75
    ob_mitigation_rehost: float = 0.5
    ob_mitigation_replatform: float = 0.25
    ob_mitigation_repurchase: float = 0.25
    ob_mitigation_refactor: float = 0.0
    archive_days: float = 10.0
    benefits_shortfall: float = 0.0
    extended_support_share: float = 0.2
    one_off_budget: float = 0.0
    marginal_cost_share: float = 0.5
    remediation_days: float = 20.0
    default_notice_days: float = 90.0
    default_annual_cost: float = 10_000.0
    cost_ceiling: float = 10_000_000.0
    fy_offset_months: float = 0.0  # set by the plan from as_of; not a setting

    def describe(self) -> list[Assumption]:
        """Every assumption with its unit and the source of its default, for the workbook."""
        return [
            Assumption(
                "discount_rate",
                self.discount_rate,
                "real, per year",
                "HM Treasury Green Book (2022), 3.5% for years 0-30",
            ),
            Assumption(
                "horizon_short_years",
                self.horizon_short_years,
                "years",
                "Short appraisal period for IT (typical 5-year contract cycle)",
            ),
            Assumption(
                "horizon_long_years",
                self.horizon_long_years,
                "years",
                "Green Book: appraise over the asset's useful life; 10 years for business software",
            ),
            Assumption(
                "optimism_bias_capital",
                self.optimism_bias_capital,
                "uplift on one-off labour (upper bound)",
                "Green Book supplementary guidance, Table 1: equipment/development capital expenditure "
                "upper bound 200%; applied to labour only, never to contractual costs",
            ),
            Assumption(
                "optimism_bias_capital_lower",
                self.optimism_bias_capital_lower,
                "uplift on one-off labour (lower bound)",
                "Green Book supplementary guidance, Table 1: equipment/development capital expenditure "
                "lower bound 10%, reached when every listed risk is mitigated",
            ),
            Assumption(
                "optimism_bias_duration",
                self.optimism_bias_duration,
                "uplift on lead time",
                "Green Book supplementary guidance: equipment/development works duration upper bound 54%",
            ),
            Assumption(
                "day_rate",
                self.day_rate,
                "GBP per person-day",
                "Typical G-Cloud / DOS developer and migration day rate; replace with your framework's rate",
            ),
            Assumption(
                "migration_days",
                self.migration_days,
                "person-days per migration",
                "Planning estimate for re-platforming one business application; refine per application",
            ),
            Assumption(
                "data_migration_days",
                self.data_migration_days,
                "person-days per migration",
                "Planning estimate for extract, cleanse and load of one application's data",
            ),
            Assumption(
                "dual_running_months",
                self.dual_running_months,
                "months",
                "Parallel running of old and new during cut-over",
            ),
            Assumption(
                "training_days",
                self.training_days,
                "person-days per migration",
                "Trainer time for users of the retired application",
            ),
            Assumption(
                "exit_fee",
                self.exit_fee,
                "GBP per contract",
                "Contract-specific; none assumed unless the contract says so",
            ),
            Assumption(
                "lead_time_months",
                self.lead_time_months,
                "months",
                "Procurement and mobilisation before a switch-off can happen",
            ),
            *(
                Assumption(
                    f"effort_{action}",
                    getattr(self, f"effort_{action}"),
                    "share of a migration's person-days",
                    why,
                )
                for action, why in (
                    ("retire", "Planning assumption: archive the data and switch off; no users move"),
                    ("rehost", "Planning assumption: lift and shift onto cloud hosting, no code change"),
                    ("replatform", "Planning assumption: as much work as moving onto another system"),
                    ("repurchase", "Planning assumption: moving onto the SaaS edition is a migration"),
                    ("refactor", "Planning assumption: rewriting parts of the application costs double"),
                )
            ),
            *(
                Assumption(
                    f"saving_share_{action}",
                    getattr(self, f"saving_share_{action}"),
                    "share of the annual run cost saved",
                    f"Planning assumption for {action} (no reliable public benchmark); replace with a costed quote",
                )
                for action in ("rehost", "replatform", "repurchase", "refactor")
            ),
            *(
                Assumption(
                    f"ob_mitigation_{action}",
                    getattr(self, f"ob_mitigation_{action}"),
                    "share of the optimism-bias gap mitigated",
                    f"Planning assumption for {action}: optimism bias = upper - this x (upper - lower); "
                    "raise it as the risk register shows risks mitigated",
                )
                for action in (
                    "consolidate",
                    "share",
                    "retire",
                    "rehost",
                    "replatform",
                    "repurchase",
                    "refactor",
                )
            ),
            Assumption(
                "archive_days",
                self.archive_days,
                "person-days per retirement (x complexity)",
                "Planning estimate: export, index and hand the records of a retired system to its "
                "retention store before switch-off",
            ),
            Assumption(
                "benefits_shortfall",
                self.benefits_shortfall,
                "share of the gross saving not realised",
                "Green Book: benefits are also over-estimated; no published rate for IT, so 0% unless "
                "you have evidence (the Sensitivity sheet shows how much shortfall the case can absorb)",
            ),
            Assumption(
                "extended_support_share",
                self.extended_support_share,
                "share of the annual run cost a year",
                "Planning assumption: extended-support premium paid to keep an out-of-support platform "
                "running (vendors' extended-support price lists run from about 10% to 75% of the fee)",
            ),
            Assumption(
                "one_off_budget",
                self.one_off_budget,
                "GBP (0 = no limit)",
                "Constraint on the preferred option: its one-off cost may not exceed this",
            ),
            Assumption(
                "marginal_cost_share",
                self.marginal_cost_share,
                "share of the survivor's licence and support per user",
                "Planning assumption: what each user moved onto a surviving system adds to its licence bill",
            ),
            Assumption(
                "remediation_days",
                self.remediation_days,
                "person-days",
                "Planning assumption: upgrading a survivor's unsupported platform so it can stay in service "
                "(weighs in the choice of survivor only)",
            ),
            Assumption(
                "default_notice_days",
                self.default_notice_days,
                "days",
                "Notice period assumed when the inventory gives none (three months is common in "
                "public-sector software contracts)",
            ),
            Assumption(
                "default_annual_cost",
                self.default_annual_cost,
                "GBP per year",
                "Run cost assumed for an application whose cost is unknown and has no comparable "
                "application with a known cost",
            ),
            Assumption(
                "cost_ceiling",
                self.cost_ceiling,
                "GBP per year",
                "A stated annual cost above this (or a negative cost line) is implausible, as rule DQ004 "
                "flags it, and is excluded from the baseline and estimated instead",
            ),
            Assumption(
                "fy_offset_months",
                self.fy_offset_months,
                "months",
                "Derived from the as-of date: months from 1 April, the start of the UK financial year, to "
                "it. Year 0 is that financial year; savings count from the first full year after switch-off",
            ),
        ]

    def optimism_bias(self, action: object) -> float:
        """Optimism bias on an action's one-off labour: the upper bound less the mitigated share of the gap."""
        mitigated = getattr(self, f"ob_mitigation_{action}", 0.0) if action in OB_MITIGATION else 0.0
        upper, lower = self.optimism_bias_capital, self.optimism_bias_capital_lower
        return upper - mitigated * (upper - lower)
