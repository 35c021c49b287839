"""Saving, history, comparing, restoring and approving, in-process (AppTest) on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from budgets import Plan
from budgets.access import Role
from budgets.samples import sample_plan
from budgets.store import PlanKey, SqlPlanStore, sqlite_url
from tests.conftest import person

ROOT = str(Path(__file__).resolve().parent.parent)


def sidebar_and_page(root: str, page: str) -> None:
    """What app.py draws around a page, for AppTest: who acts, the sidebar, the approved
    notice; then the page (``harness_page`` in session state, else ``page``)."""
    import runpy
    import sys

    import streamlit as st

    if root not in sys.path:
        sys.path.insert(0, root)
    from ui import identity, sidebar, state, storage

    # As app.py: who acts, before anything runs (the local user, or who the test says acts).
    user = st.session_state.get("harness_user") or identity.gate()
    st.session_state[state.USER] = user
    state.init_session()
    sidebar.render(user)
    storage.approved_notice()  # as app.py, above every page
    runpy.run_path(f"{root}/pages/{st.session_state.get('harness_page', page)}.py")


@pytest.fixture
def database(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "plans.db"
    monkeypatch.setenv("BUDGET_DB_PATH", str(path))
    monkeypatch.delenv("BUDGET_DB_URL", raising=False)
    return path


def session() -> AppTest:
    """A user's session: the sidebar and a page on every run."""
    return AppTest.from_function(
        sidebar_and_page, args=(ROOT, "side_by_side"), default_timeout=60
    ).run()


def go(at: AppTest, page: str) -> AppTest:
    at.session_state["harness_page"] = page
    return at.run()


def plan_of(at: AppTest) -> Plan:
    plan: Plan = at.session_state["plan"]
    return plan


SAVE_AS = {"draft": "Keep as a draft", "submitted": "Submit for review"}


def acting(at: AppTest, name: str | None, *roles: Role) -> AppTest:
    """The session's user from now on: ``name`` with ``roles`` (every role by default)."""
    at.session_state["harness_user"] = person(name, *roles) if name else None
    return at


def save(at: AppTest, author: str | None = None, comment: str = "", status: str = "draft"):
    if author is not None:
        acting(at, author)
    at.sidebar.button(key="save_open").click().run()
    at.text_area(key="save_comment").set_value(comment)
    at.radio(key="save_status").set_value(SAVE_AS[status])
    at.button(key="FormSubmitter:save_form-Save version").click().run()
    return at


def edit_spend(at: AppTest, row: int, month: str, value: float) -> AppTest:
    epoch, _ = at.session_state["_grids"]["side_spend"]
    key = f"side_spend_grid_{epoch}"
    at.session_state[key] = {
        "edited_rows": {row: {month: value}}, "added_rows": [], "deleted_rows": [],
    }  # fmt: skip
    return at.run()


def sidebar_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.sidebar.markdown)


def test_save_edit_save_again_compare_and_restore(database) -> None:
    at = session()
    assert "Not saved yet" in sidebar_text(at)

    save(at, comment="First draft")
    assert "Version 1 · draft" in sidebar_text(at)
    edit_spend(at, 0, "Jan 2027", 30_000.0)
    assert "Unsaved edits" in sidebar_text(at)
    save(at, comment="More brand search in January")
    assert "Version 2 · draft" in sidebar_text(at)
    assert "Unsaved edits" not in sidebar_text(at)

    go(at, "history")
    assert not at.exception
    versions = at.dataframe[0].value
    assert list(versions["version"]) == [2, 1]
    assert list(versions["comment"]) == ["More brand search in January", "First draft"]
    at.selectbox(key="compare_from").select(1).run()
    at.selectbox(key="compare_to").select(2).run()
    changes = at.dataframe[2].value
    assert len(changes) == 1
    assert changes.iloc[0]["item"] == "Google Search – Brand"
    assert changes.iloc[0]["month"] == "Jan 2027"
    effects = at.dataframe[1].value
    assert effects.loc["Marketing", "Change"] == f"{30_000 - 16_006.74:,.0f}"

    at.selectbox(key="look_at_version").select(1).run()
    at.button(key="restore_version").click().run()

    assert plan_of(at) == sample_plan()
    assert "Version 3 · draft" in sidebar_text(at)
    store = SqlPlanStore(sqlite_url(database))
    history = store.history(PlanKey("Maison Nord – Online", 2027))
    assert [info.version for info in history] == [3, 2, 1]
    assert history[0].restored_from == 1
    assert store.get(history[0].key, 3).plan == store.get(history[0].key, 1).plan


def test_a_save_on_top_of_an_outdated_version_is_refused_and_the_edits_stay(database) -> None:
    first = session()
    save(first, author="Mia")
    second = session()
    second.session_state["open_plan_box"] = True
    second.run()
    second.sidebar.selectbox(
        key=f"stored_plan_{second.session_state['widget_generation']}"
    ).select_index(0).run()
    assert "Version 1" in sidebar_text(second)

    edit_spend(first, 0, "Jan 2027", 20_000.0)
    save(first, author="Mia")
    edit_spend(second, 1, "Feb 2027", 1_234.0)
    save(second, author="Omar (finance)")

    message = second.error[0].value
    assert "Version 2 of the plan 'Maison Nord – Online' (FY2027) was saved by Mia on" in message
    assert "Your edits are not saved" in message
    assert plan_of(second).marketing.channels[1].spend[1] == 1_234.0
    assert "Unsaved edits" in sidebar_text(second)
    go(second, "history")
    assert "Version 2 was saved by Mia" in second.warning[0].value
    changes = second.dataframe[2].value
    assert set(changes["month"]) == {"Feb 2027"}

    go(second, "side_by_side")
    second.sidebar.selectbox(
        key=f"stored_plan_{second.session_state['widget_generation']}"
    ).select_index(0).run()
    assert plan_of(second).marketing.channels[0].spend[0] == 20_000.0
    go(second, "history")
    second.selectbox(key="compare_from").select(2).run()
    second.selectbox(key="compare_to").select("Your edits set aside").run()
    set_aside = second.dataframe[2].value
    assert {(row.item, row.month) for row in set_aside.itertuples()} >= {
        ("Google Search – Generic", "Feb 2027")
    }


def test_an_approved_version_stays_and_editing_it_starts_a_new_draft(database) -> None:
    at = session()
    save(at, author="Mia", status="submitted")
    go(acting(at, "Omar (finance)", Role.FINANCE), "history")
    at.button(key="approve_version").click().run()
    assert "Version 1 · approved" in sidebar_text(at)
    assert "approve_version" not in [button.key for button in at.button]
    acting(at, "Mia")

    go(at, "side_by_side")
    edit_spend(at, 2, "Mar 2027", 99.0)
    assert "saving starts a new draft" in sidebar_text(at)
    save(at, author="Mia")

    store = SqlPlanStore(sqlite_url(database))
    key = PlanKey("Maison Nord – Online", 2027)
    history = store.history(key)
    assert [(i.version, i.status.value) for i in history] == [(2, "draft"), (1, "approved")]
    assert store.get(key, 1).plan == sample_plan()


def test_the_history_page_explains_an_unsaved_plan(database) -> None:
    at = go(session(), "history")

    assert "is not saved yet" in at.info[0].value
    assert not at.exception


def test_an_approved_version_says_so_on_every_page_and_what_an_edit_does(database) -> None:
    at = session()
    save(at, author="Mia", status="submitted")
    go(acting(at, "Omar (finance)", Role.FINANCE), "history")
    at.button(key="approve_version").click().run()

    for page in ("side_by_side", "marketing_plan", "pnl_budget", "targets", "allocator"):
        said = " ".join(box.value for box in go(at, page).info)
        assert "Version 1 is approved (by Omar (finance)," in said, page
        assert "locked" in said, page
        assert "saving the copy makes a new draft version" in said, page

    go(acting(at, "Mia", Role.MARKETING), "side_by_side")
    edit_spend(at, 2, "Mar 2027", 99.0)
    warned = " ".join(box.value for box in go(at, "side_by_side").warning)
    assert "Version 1 is approved" in warned
    assert "unsaved edits on a copy: saving them makes a new draft version" in warned


def test_finance_cannot_edit_a_grid_even_with_its_state_seeded(database) -> None:
    at = acting(session(), "Omar", Role.FINANCE).run()
    before = plan_of(at)

    edit_spend(at, 0, "Jan 2027", 99_999.0)

    assert plan_of(at) == before
    refused = " ".join(box.value for box in at.error)
    assert "Editing the marketing plan needs the marketing manager role" in refused
    assert "Omar (omar@example.com) holds: finance" in refused
    assert at.sidebar.button(key="save_open").disabled


def test_the_review_loop_on_history_records_each_step_with_its_note(database) -> None:
    at = session()
    save(at, author="Mia", comment="First draft")
    go(acting(at, "Mia", Role.MARKETING), "history")
    at.text_area(key="review_note_1").set_value("Ready for review")
    at.button(key="submit_version").click().run()
    assert "Version 1 · submitted" in sidebar_text(at)

    go(acting(at, "Omar", Role.FINANCE), "history")
    assert "1 plan awaits your review" in sidebar_text(at)
    at.button(key="send_back_version").click().run()
    assert "sending a version back needs a note" in at.error[0].value
    at.text_area(key="review_note_1").set_value("Cut paid social by 10 %")
    at.button(key="send_back_version").click().run()
    assert "Version 1 · changes requested" in sidebar_text(at)

    log = at.dataframe[-1].value
    assert list(log["action"]) == ["sent back", "submitted", "saved"]
    assert list(log["note"]) == ["Cut paid social by 10 %", "Ready for review", "First draft"]
    mia, omar = "Mia (mia@example.com)", "Omar (omar@example.com)"
    assert list(log["by"]) == [omar, mia, mia]
