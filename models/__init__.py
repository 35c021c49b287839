"""The shared financial model: projection, ROAS and margin targets, formatting, export.

Imports budgets/, never streamlit.
"""

from models.pnl import PNL_LABELS, PNL_LINES, YEAR, PlanArrays
from models.projection import ChannelResults, Projection, project_plan
from models.targets import SolveStatus, TargetReport, TargetSolve, Verdict

__all__ = [
    "PNL_LABELS",
    "PNL_LINES",
    "YEAR",
    "ChannelResults",
    "PlanArrays",
    "Projection",
    "SolveStatus",
    "TargetReport",
    "TargetSolve",
    "Verdict",
    "project_plan",
]
