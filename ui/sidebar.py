"""The sidebar on every page: which plan, its headline KPIs, opening and downloading plans."""

from __future__ import annotations

import re

import streamlit as st

from budgets import Plan, PlanValidationError, plan_to_json
from budgets.edits import empty_plan, with_settings
from budgets.samples import sample_plan
from budgets.store import PlanKey, VersionStatus
from budgets.store_model import when
from models import Projection
from models.csv_export import pnl_csv
from models.workbook import plan_workbook, workbook_filename
from ui import kpis, state, storage

UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024


def _open_sample() -> None:
    state.replace_plan(sample_plan(), source="Sample plan", notice="Opened the sample plan.")
    storage.forget_base()


def _open_upload(widget_key: str) -> None:
    upload = st.session_state.get(widget_key)
    if upload is None:
        return
    if upload.size > UPLOAD_LIMIT_BYTES:
        state.report([f"File '{upload.name}': it is over 10 MB, too large for a plan file."])
        return
    plan = storage.read_plan_file(upload.name, upload.getvalue())
    if plan is None:
        return
    state.replace_plan(plan, source=f"Uploaded {upload.name}", notice=f"Opened {upload.name}.")
    storage.forget_base()


def _new_plan(form_key: str) -> None:
    values = st.session_state
    try:
        plan = empty_plan(
            name=values[f"{form_key}_name"],
            fiscal_year=int(values[f"{form_key}_year"]),
            first_month=int(values[f"{form_key}_month"]),
            currency=values[f"{form_key}_currency"],
        )
    except PlanValidationError as error:
        state.report(error.issues)
        return
    state.replace_plan(plan, source="New plan", notice=f"Started the new plan '{plan.name}'.")
    storage.forget_base()


def _apply_settings(form_key: str) -> None:
    values = st.session_state
    state.attempt(
        lambda plan: with_settings(
            plan,
            name=values[f"{form_key}_name"],
            fiscal_year=int(values[f"{form_key}_year"]),
            first_month=int(values[f"{form_key}_month"]),
            currency=values[f"{form_key}_currency"],
        ),
        notice="Plan settings saved.",
    )


def _settings_fields(form_key: str, name: str, year: int, month: int, currency: str) -> None:
    st.text_input("Plan name", value=name, key=f"{form_key}_name", max_chars=80)
    left, right = st.columns(2)
    left.number_input("Fiscal year", 2000, 2100, value=year, step=1, key=f"{form_key}_year")
    right.selectbox(
        "First month", list(range(1, 13)), index=month - 1, key=f"{form_key}_month",
        format_func=lambda m: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                               "Oct", "Nov", "Dec"][m - 1],
        help="The month the fiscal year starts in; FY2027 starting in April runs to March 2028.",
    )  # fmt: skip
    st.text_input("Currency (ISO 4217)", value=currency, key=f"{form_key}_currency", max_chars=3)


def _save(form_key: str) -> None:
    values = st.session_state
    storage.save(
        values[f"{form_key}_author"],
        values[f"{form_key}_comment"],
        VersionStatus(values[f"{form_key}_status"]),
    )


@st.dialog("Save a version")
def _save_dialog() -> None:
    stored = storage.base()
    plan = state.current_plan()
    if stored is None or stored.info.key != PlanKey.of(plan):
        st.caption(f"'{plan.name}' FY{plan.fiscal_year} is saved as a new stored plan.")
    elif stored.info.is_approved:
        st.caption(
            f"Version {stored.info.version} is approved and stays as it is: "
            "this save starts a new draft on top of it."
        )
    else:
        st.caption(f"Saved as a new version on top of version {stored.info.version}.")
    form_key = state.key("save")
    with st.form(form_key, border=False):
        st.text_input(
            "Your name", value=storage.author(), key=f"{form_key}_author", max_chars=80,
            help="Asked once per session; every version records who saved it.",
        )  # fmt: skip
        st.text_area("Comment", key=f"{form_key}_comment", max_chars=2000, height=80)
        st.radio(
            "Status", [VersionStatus.DRAFT.value, VersionStatus.SUBMITTED.value],
            key=f"{form_key}_status", horizontal=True,
            help="Submitted: ready for finance to approve.",
        )  # fmt: skip
        if st.form_submit_button("Save version", on_click=_save, args=(form_key,), type="primary"):
            st.rerun()


def _open_stored(widget_key: str) -> None:
    summary = st.session_state.get(widget_key)
    if summary is not None:
        storage.open_stored(summary.key)


def _literal(text: str) -> str:
    """Users' text (a plan name, a file name) shown as typed inside Markdown."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~$:-])", r"\\\1", text)


def _version_line() -> str:
    """Which stored version the session shows, its status, and whether it has unsaved edits."""
    stored = storage.base()
    if stored is None:
        return ":orange-badge[:material/edit: Not saved yet]"
    info = stored.info
    status = {"draft": "gray", "submitted": "blue", "approved": "green"}[info.status.value]
    line = (
        f":{status}-badge[Version {info.version} · {info.status.value}] "
        f":small[:gray[by {_literal(info.author)}, {when(info.saved_at)}]]"
    )
    if storage.has_unsaved_edits():
        line += "  \n:orange-badge[:material/edit: Unsaved edits]"
        if info.is_approved:
            line += " :small[:gray[saving starts a new draft]]"
    return line


def _other_downloads(plan: Plan, projection: Projection) -> None:
    st.download_button(
        "Plan (JSON)",
        data=lambda plan=plan: plan_to_json(plan),
        file_name=workbook_filename(plan, ".json"),
        mime="application/json",
        icon=":material/data_object:",
        width="stretch",
        key="download_json",
        on_click="ignore",
        help="The plan as a file to keep or share; open it again under 'Open a plan'.",
    )
    st.download_button(
        "P&L (CSV)",
        data=lambda projection=projection: pnl_csv(projection),
        file_name=workbook_filename(plan, "_PnL.csv"),
        mime="text/csv",
        icon=":material/csv:",
        width="stretch",
        key="download_csv",
        on_click="ignore",
    )


@st.dialog("New empty plan")
def _new_plan_dialog() -> None:
    plan = state.current_plan()
    with st.form("new_plan_form", border=False):
        st.caption("No channels, no traffic, no fixed costs; typical rates to overwrite.")
        _settings_fields("new_plan", "New plan", plan.fiscal_year, 1, plan.currency)
        if st.form_submit_button("Start a new plan", on_click=_new_plan, args=("new_plan",)):
            st.rerun()


@st.dialog("Plan settings")
def _settings_dialog() -> None:
    plan = state.current_plan()
    form_key = state.key("settings")
    with st.form(form_key, border=False):
        _settings_fields(form_key, plan.name, plan.fiscal_year, plan.first_month, plan.currency)
        if st.form_submit_button("Save settings", on_click=_apply_settings, args=(form_key,)):
            st.rerun()


def render() -> None:
    plan = state.current_plan()
    projection = state.projection()
    with st.sidebar:
        # One element for who and what the plan is: every element costs each rerun.
        st.markdown(
            f"### {_literal(plan.name)}\n:gray[FY{plan.fiscal_year} ({projection.months[0]} - "
            f"{projection.months[-1]}) · {plan.currency} · "
            f"{_literal(st.session_state.get(state.SOURCE, ''))}]  \n{_version_line()}"
        )
        save = st.button(
            "Save version...", icon=":material/save:", type="primary", width="stretch",
            key="save_open",
        )  # fmt: skip
        for metric in (kpis.net_sales, kpis.ebitda_margin, kpis.marketing, kpis.mer):
            metric(projection)

        st.download_button(
            "Download workbook (Excel)",
            data=lambda plan=plan: plan_workbook(plan),
            file_name=workbook_filename(plan),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_view:",
            width="stretch",
            key="download_xlsx",
            on_click="ignore",
            help="Live formulas on the plan's inputs: change a driver or a spend cell in Excel "
            "and the P&L follows. Upload it back under 'Open a plan'.",
        )
        others = st.popover(
            "Plan JSON, P&L CSV", icon=":material/download:", width="stretch",
            key="other_downloads", on_change="rerun",
        )  # fmt: skip
        if others.open:
            with others:
                _other_downloads(plan, projection)
        opener = st.expander(
            "Open a plan", icon=":material/folder_open:", key="open_plan_box", on_change="rerun"
        )
        new_plan = False
        if opener.open:
            with opener:
                stored_key = state.key("stored_plan")
                summaries = storage.stored_plans()
                st.selectbox(
                    "Stored plans", summaries, index=None, key=stored_key,
                    placeholder="Choose a stored plan" if summaries else "No plan saved yet",
                    format_func=lambda s: f"{s.key.name} FY{s.key.fiscal_year} · "
                    f"v{s.latest.version} {s.latest.status.value}",
                    on_change=_open_stored, args=(stored_key,),
                )  # fmt: skip
                st.button(
                    "Open the sample plan",
                    on_click=_open_sample,
                    width="stretch",
                    key="open_sample",
                )
                upload_key = state.key("upload_plan")
                st.file_uploader(
                    "Upload a plan (.json or .xlsx)", type=["json", "xlsx"], key=upload_key,
                    on_change=_open_upload, args=(upload_key,),
                    help="A plan JSON, or a workbook this planner exported (edited in Excel or "
                    "LibreOffice if you like). An invalid file is refused with its problems "
                    "listed, and the current plan stays open.",
                )  # fmt: skip
                new_plan = st.button("New empty plan...", width="stretch", key="new_plan_open")
        settings = st.button(
            "Plan settings...", icon=":material/tune:", width="stretch", key="settings_open"
        )
    # Dialogs open from the main area: a dialog cannot be called inside the sidebar.
    if save:
        _save_dialog()
    if new_plan:
        _new_plan_dialog()
    if settings:
        _settings_dialog()
