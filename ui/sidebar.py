"""The sidebar on every page: which plan, its headline KPIs, opening and downloading plans."""

from __future__ import annotations

import re

import streamlit as st

from budgets import Plan, PlanValidationError, plan_to_json
from budgets.access import EDIT_SETTINGS, SAVE, User
from budgets.edits import empty_plan
from budgets.samples import sample_plan
from budgets.store import PlanKey, VersionInfo, VersionStatus
from budgets.store.model import when
from models.csv_export import pnl_csv
from models.excel.export import version_record, workbook_filename
from ui import exports, forms, identity, kpis, state, storage

UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024


def _open_sample() -> None:
    storage.open_plan(sample_plan(), source="Sample plan", notice="Opened the sample plan.")


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
    storage.open_plan(plan, source=f"Uploaded {upload.name}", notice=f"Opened {upload.name}.")


SAVE_AS = {"Keep as a draft": VersionStatus.DRAFT, "Submit for review": VersionStatus.SUBMITTED}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MOVE_FIGURES = "Move each calendar month's figures with it"
KEEP_ORDER = "Keep the figures in fiscal order"


def _settings_fields(prefix: str, name: str, year: int, month: int, currency: str) -> None:
    st.text_input("Plan name", value=name, key=f"{prefix}_name", max_chars=80)
    left, right = st.columns(2)
    left.number_input("Fiscal year", 2000, 2100, value=year, step=1, key=f"{prefix}_year")
    right.selectbox(
        "First month", list(range(1, 13)), index=month - 1, key=f"{prefix}_month",
        format_func=lambda m: MONTH_NAMES[m - 1],
        help="The month the fiscal year starts in; FY2027 starting in April runs to March 2028.",
    )  # fmt: skip
    st.text_input("Currency (ISO 4217)", value=currency, key=f"{prefix}_currency", max_chars=3)


def _settings_values(prefix: str) -> tuple[str, int, int, str]:
    values = st.session_state
    return (
        values[f"{prefix}_name"],
        int(values[f"{prefix}_year"]),
        int(values[f"{prefix}_month"]),
        values[f"{prefix}_currency"],
    )


def _close_when_done() -> None:
    """Close the dialog whose action succeeded (its callback ran before this rerun)."""
    if st.session_state.pop(state.DIALOG_DONE, False):
        st.rerun()


def _save() -> None:
    values = st.session_state
    refusal = storage.save(values["save_comment"], SAVE_AS[values["save_status"]])
    st.session_state[state.SAVE_REFUSAL] = refusal
    st.session_state[state.DIALOG_DONE] = refusal is None
    if refusal is not None:
        # Also on the page: it still says why after the dialog is dismissed.
        state.report([refusal])


def _open_newer(version: VersionInfo) -> None:
    storage.open_stored(version.key, version.version)
    st.session_state[state.DIALOG_DONE] = True


@st.dialog("Save a version")
def _save_dialog() -> None:
    _close_when_done()
    stored = storage.base()
    plan = state.current_plan()
    if stored is None or stored.info.key != PlanKey.of(plan):
        st.caption(f"'{plan.name}' FY{plan.fiscal_year} will be saved as a new stored plan.")
    elif stored.info.is_approved:
        st.caption(
            f"Version {stored.info.version} is approved and stays as it is: "
            "this save starts a new draft on top of it."
        )
    else:
        st.caption(f"The new version will follow version {stored.info.version}.")
    user = state.acting_user()
    with st.form("save_form", border=False):
        st.caption(f"Saved by {user.label}, as every version records who saved it.")
        st.text_area("Comment", key="save_comment", max_chars=2000, height=80)
        st.radio(
            "Then", list(SAVE_AS), key="save_status", horizontal=True,
            help="Submitting sends the version to finance, who approve it or send it back "
            "with a note; the comment goes with it.",
        )  # fmt: skip
        st.form_submit_button("Save version", type="primary", on_click=_save)
    refusal = st.session_state.get(state.SAVE_REFUSAL)
    if refusal:
        st.error(f"**Not saved.** {refusal}", icon=":material/block:")
        newer = storage.conflict()
        if newer is not None:
            st.caption(
                "Your edits are still here. Compare them with the newer version on History, or "
                "open it: your edits are set aside, and History still compares them."
            )
            compare, reload = st.columns(2)
            if compare.button(
                "Compare on History", icon=":material/compare:", width="stretch",
                key="save_compare",
            ):  # fmt: skip
                st.switch_page("pages/history.py")
            reload.button(
                f"Open version {newer.version}", icon=":material/refresh:", width="stretch",
                key="save_reload", on_click=_open_newer, args=(newer,),
            )  # fmt: skip


def _new_plan() -> None:
    name, year, month, currency = _settings_values("new_plan")
    try:
        new = empty_plan(name=name, fiscal_year=year, first_month=month, currency=currency)
    except PlanValidationError as error:
        state.report(error.issues, "new_plan")
        return
    storage.open_plan(new, source="New plan", notice=f"Started the new plan '{new.name}'.")
    st.session_state[state.DIALOG_DONE] = True


@st.dialog("New empty plan")
def _new_plan_dialog() -> None:
    _close_when_done()
    plan = state.current_plan()
    st.caption("No channels, no traffic, no fixed costs; typical rates to overwrite.")
    _settings_fields("new_plan", "New plan", plan.fiscal_year, 1, plan.currency)
    st.button("Start a new plan", type="primary", key="new_plan_submit", on_click=_new_plan)
    state.show_refused("new_plan")


def _apply_settings(keep_calendar_months: bool) -> None:
    plan = state.current_plan()
    name, year, month, currency = _settings_values("settings")
    notice = forms.settings_notice(plan, name, year, month, currency, keep_calendar_months)
    st.session_state[state.DIALOG_DONE] = state.attempt(
        forms.with_plan_settings, name, year, month, currency, keep_calendar_months,
        notice=notice, where="settings",
    )  # fmt: skip


@st.dialog("Plan settings")
def _settings_dialog() -> None:
    _close_when_done()
    plan = state.current_plan()
    _settings_fields("settings", plan.name, plan.fiscal_year, plan.first_month, plan.currency)
    _, year, month, _ = _settings_values("settings")
    keep_calendar = True
    if month != plan.first_month:
        choice = st.radio(
            "The figures of each month", [MOVE_FIGURES, KEEP_ORDER], key="settings_months",
            captions=list(forms.first_month_effects(plan, year, month)),
        )  # fmt: skip
        keep_calendar = choice == MOVE_FIGURES
    st.button(
        "Save settings", type="primary", key="settings_submit", on_click=_apply_settings,
        args=(keep_calendar,),
    )  # fmt: skip
    state.show_refused("settings")


def _open_stored(widget_key: str) -> None:
    summary = st.session_state.get(widget_key)
    if summary is not None:
        storage.open_stored(summary.key)


def _literal(text: str) -> str:
    """Users' text (a plan name, a file name) shown as typed inside Markdown."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~$:-])", r"\\\1", text)


STATUS_COLOURS = {
    VersionStatus.DRAFT: "gray",
    VersionStatus.SUBMITTED: "blue",
    VersionStatus.CHANGES_REQUESTED: "orange",
    VersionStatus.APPROVED: "green",
}


def _version_line() -> str:
    """Which stored version the session shows, its status, and whether it has unsaved edits."""
    stored = storage.base()
    if stored is None:
        return ":orange-badge[:material/edit: Not saved yet]"
    info = stored.info
    status = STATUS_COLOURS[info.status]
    line = (
        f":{status}-badge[Version {info.version} · {info.status.value}] "
        f":small[:gray[by {_literal(info.author)}, {when(info.saved_at)}]]"
    )
    if storage.has_unsaved_edits():
        line += "  \n:orange-badge[:material/edit: Unsaved edits]"
        if info.is_approved:
            line += " :small[:gray[saving starts a new draft]]"
    return line


def _record() -> tuple[tuple[str, str], ...]:
    """What the workbook's Summary says of the stored version the plan in hand is."""
    stored = storage.base()
    if stored is None:
        return ()
    return version_record(stored.info, edited=storage.has_unsaved_edits())


def _downloads(plan: Plan) -> None:
    """The plan's files, built once per plan revision while this menu is open.

    Each is handed to the browser as a file of this session, so it stays
    downloadable for as long as the menu shows it, whatever other sessions do.
    """
    record = _record()
    st.download_button(
        "Workbook (Excel)",
        # Kept per plan revision and per record: an approval changes what the Summary says.
        data=state.cached(f"workbook {record}", lambda _: exports.workbook(plan, record)),
        file_name=workbook_filename(plan),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_view:",
        width="stretch",
        key="download_xlsx",
        on_click="ignore",
        help="Live formulas on the plan's inputs: change a driver or a spend cell in Excel "
        "and the P&L follows. Upload it back under 'Open a plan'.",
    )
    st.download_button(
        "Plan (JSON)",
        data=state.cached("plan_json", lambda _: plan_to_json(plan)),
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
        data=state.cached("pnl_csv", pnl_csv),
        file_name=workbook_filename(plan, "_PnL.csv"),
        mime="text/csv",
        icon=":material/csv:",
        width="stretch",
        key="download_csv",
        on_click="ignore",
    )


def _waiting_line(user: User) -> str:
    waiting = identity.waiting_on(user)
    return "".join(f"  \n:violet-badge[:material/pending_actions: {line}]" for line in waiting)


def render(user: User) -> None:
    plan = state.current_plan()
    projection = state.projection()
    with st.sidebar:
        # One element for who and what the plan is: every element costs each rerun.
        st.markdown(
            f"### {_literal(plan.name)}\n:gray[FY{plan.fiscal_year} ({projection.months[0]} - "
            f"{projection.months[-1]}) · {plan.currency} · "
            f"{_literal(st.session_state.get(state.SOURCE, ''))}]  \n{_version_line()}"
            f"{_waiting_line(user)}"
        )
        save = st.button(
            "Save version...", icon=":material/save:", type="primary", width="stretch",
            key="save_open", **state.gated(SAVE),
        )  # fmt: skip
        for metric in (kpis.net_sales, kpis.ebitda_margin, kpis.marketing, kpis.mer):
            metric(projection)

        downloads = st.popover(
            "Download...", icon=":material/download:", width="stretch",
            key="downloads", on_change="rerun",
        )  # fmt: skip
        if downloads.open:
            with downloads:
                _downloads(plan)
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
            "Plan settings...", icon=":material/tune:", width="stretch", key="settings_open",
            **state.gated(EDIT_SETTINGS),
        )  # fmt: skip
        st.markdown(identity.who_line(user))
        identity.sign_out_button()
    # Dialogs open from the main area: a dialog cannot be called inside the sidebar.
    if save:
        st.session_state.pop(state.SAVE_REFUSAL, None)
        st.session_state.pop(state.DIALOG_DONE, None)
        _save_dialog()
    if new_plan:
        state.clear_issues("new_plan")
        _new_plan_dialog()
    if settings:
        state.clear_issues("settings")
        _settings_dialog()
