"""The two budgets users edit: the digital-marketing spend plan and the e-commerce P&L budget."""

from budgets.errors import PlanIssue, PlanValidationError
from budgets.files import load_plan, parse_plan, plan_from_json, plan_to_json, save_plan
from budgets.plan import (
    MONTHS,
    Channel,
    ChannelKind,
    CostDriver,
    FixedCostLine,
    MarketingPlan,
    Plan,
    PnlBudget,
    ResponseCurve,
    Targets,
    as_monthly,
    fiscal_month_labels,
)

__all__ = [
    "MONTHS",
    "Channel",
    "ChannelKind",
    "CostDriver",
    "FixedCostLine",
    "MarketingPlan",
    "Plan",
    "PlanIssue",
    "PlanValidationError",
    "PnlBudget",
    "ResponseCurve",
    "Targets",
    "as_monthly",
    "fiscal_month_labels",
    "load_plan",
    "parse_plan",
    "plan_from_json",
    "plan_to_json",
    "save_plan",
]
