"""End to end in Chromium, signed in through a real OpenID Connect provider: who sees what,
the admin giving roles, and the governed loop (marketing prepares and submits, finance sends
back and approves) with each person in their own browser; a crafted websocket client with
finance's sign-in; and the local default without sign-in.

One provider and one app serve the module, on a plan store of its own whose first admin is
Ada (``BUDGET_ADMINS``). Each person has their own browser context: the app's cookies ignore
the port, and a person's sign-in is their cookies.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from benchmarks.st_client import AppSession, EditError, find_grid
from budgets.access import Role, User
from budgets.samples import sample_plan
from budgets.store import DB_PATH_ENV, store_from_env
from budgets.typed import read_number
from tests.browser import (
    ACTIVITY_WATCH,
    CHROMIUM,
    CHROMIUM_ARGS,
    JAN,
    choose,
    click_until,
    grid_cell,
    press_keys,
    running_app,
    select_cell,
    type_into_cell,
    wait_idle,
)
from tests.oidc import running_app_with_auth, running_provider, sign_in, websocket_handshake

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
VIEWPORT = {"width": 1280, "height": 800}
ADA = ("ada@example.com", "Ada Lovelace")
MIA = ("mia@example.com", "Mia Marketing")
ELIF = ("elif@example.com", "Elif Ecommerce")
OMAR = ("omar@example.com", "Omar Finance")
NORA = ("nora@example.com", "Nora Newcomer")
TEAM = {
    MIA[0]: (Role.MARKETING, "marketing manager"),
    ELIF[0]: (Role.ECOMMERCE, "e-commerce manager"),
    OMAR[0]: (Role.FINANCE, "finance"),
}
PLAN = sample_plan()
JAN_LABEL = PLAN.month_labels[0]
STORED = f"{PLAN.name} FY{PLAN.fiscal_year}"
SPEND_RULE = "Editing the marketing plan needs the marketing manager role."
PNL_RULE = "Editing the P&L budget needs the e-commerce manager role."
LOCK = "Read-only for you."
# Being reworded while these tests were written: "1 plan await(s) your review", and History's
# "Approve version N" (or "Approve").
AWAITS_REVIEW = "1 plan awaits your review"
APPROVE = "Approve"


@dataclass(frozen=True)
class TeamApp:
    url: str
    db_path: Path


@pytest.fixture(scope="module")
def team_app(tmp_path_factory) -> Iterator[TeamApp]:
    folder = tmp_path_factory.mktemp("team")
    db_path = folder / "plans.db"
    env = {**os.environ, DB_PATH_ENV: str(db_path), "BUDGET_ADMINS": ADA[0]}
    env.pop("BUDGET_DB_URL", None)
    with running_provider() as issuer, running_app_with_auth(folder, issuer, env=env) as url:
        yield TeamApp(url, db_path)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def team(team_app: TeamApp) -> TeamApp:
    """Mia, Elif and Omar hold their roles: given on People & roles when that test ran
    first, else given here in the store as Ada would."""
    store = store_from_env({DB_PATH_ENV: str(team_app.db_path)})
    try:
        store.name_first_admins((ADA[0],))
        ada = User(ADA[0], ADA[1], frozenset({Role.ADMIN}))
        for email, (role, _) in TEAM.items():
            if store.roles_of(email) != {role}:
                store.set_roles(email, frozenset({role}), ada)
    finally:
        store.close()
    return team_app


# --- a person in their own browser ------------------------------------------------------


@contextmanager
def new_page(browser, url: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A fresh browser context (no one's cookies) on the app at ``url``, its page loaded."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(ACTIVITY_WATCH)
        page = context.new_page()
        page.goto(url)
        yield page
    finally:
        context.close()


def app_drawn(page) -> None:  # type: ignore[no-untyped-def]
    """The app's page and sidebar are drawn, its fonts loaded, nothing running."""
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_text("EBITDA margin").wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    page.wait_for_function("document.fonts.status === 'loaded'", timeout=60_000)
    wait_idle(page)


@contextmanager
def signed_in(browser, url: str, person: tuple[str, str], app: bool = True) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """``person`` (e-mail, name) signed in in a browser of their own; with ``app``, the
    planner drawn for them (they hold a role)."""
    with new_page(browser, url) as page:
        page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=60_000)
        sign_in(page, *person)
        if app:
            app_drawn(page)
        yield page


def sidebar(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stSidebar")


def main(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stMain")


def go(page, link: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name=link).click()
    wait_idle(page)
    expect(main(page).get_by_role("heading", name=link)).to_be_visible(timeout=30_000)


def spend_grid(page):  # type: ignore[no-untyped-def]
    return main(page).get_by_test_id("stDataFrame").first


def open_stored_plan(page, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open "Open a plan" in the sidebar (unless open) and choose a stored plan."""
    stored = sidebar(page).get_by_role("combobox", name="Stored plans")
    if not stored.is_visible():
        sidebar(page).get_by_text("Open a plan").click()
        wait_idle(page)
    expect(stored).to_be_visible(timeout=30_000)
    choose(page, stored, option)


def save_version(page, comment: str, then: str) -> None:  # type: ignore[no-untyped-def]
    """Open "Save version...", type the comment, pick ``then`` ("Keep as a draft" or
    "Submit for review") and press "Save version"; the dialog closes."""
    dialog = page.get_by_role("dialog")
    click_until(page, sidebar(page).get_by_role("button", name="Save version..."), dialog)
    dialog.get_by_role("textbox", name="Comment").click()
    press_keys(page, comment)
    dialog.get_by_text(then, exact=True).click()
    dialog.get_by_role("button", name="Save version", exact=True).click()
    wait_idle(page)
    dialog.wait_for(state="detached", timeout=30_000)


def review(page, note: str, button: str | re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    """On History's version: the note typed, then ``button`` clicked."""
    main(page).get_by_role("textbox", name="Note").click()
    press_keys(page, note)
    main(page).get_by_role("button", name=button, exact=True).click()
    wait_idle(page)


# --- 1. no role -------------------------------------------------------------------------


def test_a_signed_in_person_without_a_role_sees_whom_to_ask_and_no_figures(
    browser, team_app
) -> None:
    with signed_in(browser, team_app.url, NORA, app=False) as page:
        warning = main(page).get_by_test_id("stAlert")
        expect(warning).to_contain_text(
            "You are signed in as Nora Newcomer (nora@example.com), but you have no role in "
            "this planner yet",
            timeout=30_000,
        )
        expect(warning).to_contain_text(
            "Ask an admin to give nora@example.com a role (marketing manager, e-commerce "
            "manager or finance): ada@example.com."
        )
        expect(main(page).get_by_role("button", name="Sign out")).to_be_visible()
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
        expect(page.get_by_test_id("stMetric")).to_have_count(0)
        expect(page.get_by_text("EBITDA margin")).to_have_count(0)
        expect(page.get_by_role("button", name="Save version...")).to_have_count(0)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        page.goto(f"{team_app.url}/people")
        expect(main(page).get_by_test_id("stAlert")).to_contain_text("no role", timeout=30_000)
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)


def test_a_visitor_who_has_not_signed_in_reaches_no_page_of_the_planner(browser, team_app) -> None:
    with new_page(browser, team_app.url) as page:
        page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=60_000)
        wait_idle(page)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        for path in ("people", "history", "side_by_side", "pnl_budget", "app"):
            page.goto(f"{team_app.url}/{path}")
            page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=60_000)
            wait_idle(page)
            expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


# --- 2. the admin gives roles -----------------------------------------------------------


def give_role(page, email: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """On People & roles: the address typed, the role picked, "Save roles"."""
    form = main(page)
    form.get_by_role("textbox", name="E-mail address").click()
    press_keys(page, email)
    choose(page, form.get_by_role("combobox", name="Roles"), label)
    page.keyboard.press("Escape")  # the list stays open after a pick
    form.get_by_role("button", name="Save roles").click()
    wait_idle(page)
    expect(page.get_by_test_id("stToast")).to_contain_text(
        f"{email} now holds: {label}.", timeout=30_000
    )


def test_the_admin_gives_roles_on_people_and_roles_and_others_have_no_such_page(
    browser, team_app
) -> None:
    with signed_in(browser, team_app.url, ADA) as page:
        expect(sidebar(page)).to_contain_text("Ada Lovelace (ada@example.com) · admin")
        go(page, "People & roles")
        for email, (_, label) in TEAM.items():
            give_role(page, email, label)

        expect(main(page)).to_contain_text("4 people with a role", timeout=30_000)
        table = main(page).get_by_test_id("stDataFrame").first
        labels = ["marketing manager", "e-commerce manager", "finance", "admin"]
        expected = {ADA[0]: "admin"} | {email: label for email, (_, label) in TEAM.items()}
        for row, email in enumerate(sorted(expected)):
            expect(grid_cell(table, 0, row)).to_have_text(email)
            for column, label in enumerate(labels, start=1):
                held = "true" if expected[email] == label else "false"
                expect(grid_cell(table, column, row)).to_have_text(held)
        changes = main(page).get_by_test_id("stDataFrame").last
        for email in TEAM:
            expect(changes).to_contain_text(f"Ada Lovelace (ada@example.com){email}")

    with signed_in(browser, team_app.url, MIA) as page:
        expect(sidebar(page)).to_contain_text("Mia Marketing (mia@example.com) · marketing manager")
        expect(page.get_by_role("link", name="History")).to_be_visible()
        expect(page.get_by_role("link", name="People & roles")).to_have_count(0)


# --- 3. the governed loop ----------------------------------------------------------------


def amount(value: int) -> re.Pattern[str]:
    """A whole amount as a grid cell shows it: typed (25000) or formatted (25,000)."""
    return re.compile(rf"^({value}|{value:,})(\.0+)?$")


def expect_audit_log(page, rows: list[tuple[str, str, str, str]]) -> None:  # type: ignore[no-untyped-def]
    """History's audit log shows ``rows`` (step, by, version, note), newest first, and no more.

    Its columns: when (0), step, by, version, note.
    """
    log = main(page).get_by_test_id("stDataFrame").last
    log.scroll_into_view_if_needed()  # a grid draws its cells once it is on the screen
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells, start=1):
            expect(grid_cell(log, column, row)).to_have_text(text, timeout=30_000)
    expect(grid_cell(log, 1, len(rows))).to_have_count(0)


def test_marketing_submits_finance_sends_back_then_approves_and_the_version_locks(
    browser, team
) -> None:
    url = team.url
    first_note = "Brand search goes up in January for the new collection"
    send_back_note = "Keep January brand search under 20000"
    second_note = "January brand search down to 19500"
    approve_note = "Approved for FY2027"
    with signed_in(browser, url, MIA) as mia:
        # Mia types a January spend; it lands.
        expect(main(mia).get_by_text(LOCK)).to_have_count(0)
        type_into_cell(mia, spend_grid(mia), JAN, 0, "25000")
        expect(grid_cell(spend_grid(mia), JAN, 0)).to_have_text("25000", timeout=30_000)
        # The P&L's drivers are the e-commerce manager's: read-only for her.
        go(mia, "E-commerce P&L")
        main(mia).get_by_role("tab", name="Monthly drivers").click()
        wait_idle(mia)
        expect(main(mia).get_by_text(f"{LOCK} {PNL_RULE}")).to_be_visible(timeout=30_000)
        save_version(mia, first_note, "Submit for review")
        expect(sidebar(mia)).to_contain_text("Version 1 · submitted", timeout=30_000)

        with signed_in(browser, url, OMAR) as omar:
            expect(sidebar(omar)).to_contain_text(AWAITS_REVIEW, timeout=30_000)
            expect(sidebar(omar).get_by_role("button", name="Save version...")).to_be_disabled()
            open_stored_plan(omar, f"{STORED} · v1 submitted")
            expect(sidebar(omar)).to_contain_text("Version 1 · submitted", timeout=30_000)
            # The spend grid is marketing's: typing into it changes nothing.
            grid = spend_grid(omar)
            expect(grid_cell(grid, JAN, 0)).to_have_text(amount(25000), timeout=30_000)
            expect(main(omar).get_by_text(f"{LOCK} {SPEND_RULE}")).to_be_visible()
            select_cell(omar, grid, JAN, 0)
            press_keys(omar, "99999\n")
            wait_idle(omar)
            # Enter opens the cell's text to read, not to edit: the keys typed are not in it.
            overlay = omar.locator("#portal textarea.gdg-input")
            expect(overlay).not_to_be_editable()
            expect(overlay).not_to_have_value(re.compile("9999"))
            omar.keyboard.press("Escape")
            wait_idle(omar)
            expect(grid_cell(grid, JAN, 0)).to_have_text(amount(25000))
            expect(sidebar(omar)).not_to_contain_text("Unsaved edits")

            go(omar, "History")
            expect(main(omar)).to_contain_text(
                "Submitted by Mia Marketing: awaits finance's review.", timeout=30_000
            )
            review(omar, send_back_note, "Send back")
            expect(main(omar)).to_contain_text(
                f"Sent back with changes requested: {send_back_note}", timeout=30_000
            )
            expect(main(omar).get_by_role("button", name="Send back")).to_have_count(0)

            # Mia comes back to the planner: the plan was sent back.
            mia.reload()
            app_drawn(mia)
            expect(sidebar(mia)).to_contain_text(
                "1 plan was sent back with changes requested", timeout=30_000
            )
            open_stored_plan(mia, f"{STORED} · v1 changes requested")
            expect(sidebar(mia)).to_contain_text("Version 1 · changes requested", timeout=30_000)
            go(mia, "History")
            expect(main(mia)).to_contain_text(
                f"Sent back with changes requested: {send_back_note}", timeout=30_000
            )
            go(mia, "Side by side")
            type_into_cell(mia, spend_grid(mia), JAN, 0, "19500")
            expect(grid_cell(spend_grid(mia), JAN, 0)).to_have_text("19500", timeout=30_000)
            save_version(mia, second_note, "Submit for review")
            expect(sidebar(mia)).to_contain_text("Version 2 · submitted", timeout=30_000)

            # Omar approves version 2.
            open_stored_plan(omar, f"{STORED} · v2 submitted")
            expect(sidebar(omar)).to_contain_text("Version 2 · submitted", timeout=30_000)
            choose(
                omar, main(omar).get_by_role("combobox", name="Version", exact=True), "Version 2"
            )
            expect(main(omar)).to_contain_text(
                "Submitted by Mia Marketing: awaits finance's review.", timeout=30_000
            )
            review(omar, approve_note, APPROVE)
            expect(main(omar)).to_contain_text(
                "Approved by Omar Finance: locked, it never changes.", timeout=30_000
            )
            for button in (APPROVE, "Send back", "Submit version 2 for review"):
                expect(main(omar).get_by_role("button", name=button)).to_have_count(0)
            expect(main(omar).get_by_role("textbox", name="Note")).to_have_count(0)
            mia_by = "Mia Marketing (mia@example.com)"
            omar_by = "Omar Finance (omar@example.com)"
            expect_audit_log(omar, [
                ("approved", omar_by, "2", approve_note),
                ("submitted", mia_by, "2", second_note),
                ("saved", mia_by, "2", second_note),
                ("sent back", omar_by, "1", send_back_note),
                ("submitted", mia_by, "1", first_note),
                ("saved", mia_by, "1", first_note),
            ])  # fmt: skip

        # Nor can Mia change it: History shows it approved, with nothing to submit.
        go(mia, "History")
        expect(main(mia)).to_contain_text(
            "Approved by Omar Finance: locked, it never changes.", timeout=30_000
        )
        expect(main(mia).get_by_role("button", name="Submit version 2 for review")).to_have_count(0)


# --- 4. a crafted client with finance's sign-in ---------------------------------------


class SignedInSession(AppSession):
    """``AppSession`` opening the websocket as a signed-in browser: its cookies, Origin and
    XSRF subprotocol (``tests.oidc.websocket_handshake``)."""

    def __init__(self, headers: dict[str, str], subprotocols: list[str]) -> None:
        super().__init__(timeout=60.0, check_workbook=False)
        self.headers = headers
        self.subprotocols = subprotocols

    async def connect(self, base_url: str) -> float:
        import time

        import websockets

        started = time.perf_counter()
        self.base_url = base_url.rstrip("/")
        self._ws = await websockets.connect(
            self._stream_url(),
            subprotocols=[websockets.Subprotocol(name) for name in self.subprotocols],
            additional_headers=self.headers,
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read(), name="st-client-reader")
        await self.rerun()
        return time.perf_counter() - started

    def texts(self) -> list[str]:
        """Every markdown, caption and alert text of the latest run."""
        found = [element.markdown.body for element in self.page.elements.values()
                 if element.WhichOneof("type") == "markdown"]  # fmt: skip
        found += [alert.body for alert in self.page.of_type("alert")]
        return found


def in_thread(work):  # type: ignore[no-untyped-def]
    """Run the coroutine function ``work`` on an event loop of its own thread (Playwright's
    sync API keeps one running in this thread); its result."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(work())
        except BaseException as error:  # handed back to the test thread
            result["error"] = error

    thread = threading.Thread(target=run, name="crafted-client")
    thread.start()
    thread.join(180)
    if thread.is_alive():
        raise AssertionError("the crafted client did not finish within 180 s")
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_a_crafted_client_signed_in_as_finance_cannot_edit_spend(browser, team) -> None:
    with signed_in(browser, team.url, OMAR) as omar:
        shown = grid_cell(spend_grid(omar), JAN, 0).inner_text()
        headers, subprotocols = websocket_handshake(omar.context, team.url)

        async def craft() -> tuple[str | None, str | None, list[str], str]:
            session = SignedInSession(headers, subprotocols)
            try:
                await session.connect(team.url)
                before = find_grid(session.page, JAN_LABEL).cell(0, JAN_LABEL)
                try:
                    await session.edit_spend(0, JAN_LABEL, 99999)
                    outcome = "applied"
                except EditError as error:
                    outcome = str(error)
                after = find_grid(session.page, JAN_LABEL).cell(0, JAN_LABEL)
                return before, after, session.texts(), outcome
            finally:
                await session.close()

        before, after, texts, outcome = in_thread(craft)

    assert any("Omar Finance (omar@example.com) · finance" in text for text in texts), texts
    assert before is not None
    assert float(read_number(before)) == pytest.approx(float(read_number(shown)))
    assert after == before, outcome
    assert "the grid shows" in outcome
    assert any(f"{LOCK} {SPEND_RULE}" in text for text in texts), texts


# --- 5. the local default ---------------------------------------------------------------


@pytest.fixture(scope="module")
def local_url(tmp_path_factory) -> Iterator[str]:
    env = {**os.environ, DB_PATH_ENV: str(tmp_path_factory.mktemp("local") / "plans.db")}
    env.pop("BUDGET_DB_URL", None)
    env.pop("BUDGET_ADMINS", None)
    with running_app(env=env) as url:
        yield url


def test_the_local_default_has_no_sign_in_and_every_role(browser, local_url) -> None:
    with new_page(browser, local_url) as page:
        app_drawn(page)
        expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
        expect(sidebar(page)).to_contain_text("local, every role, no sign-in")
        expect(page.get_by_role("link", name="People & roles")).to_be_visible()
        expect(sidebar(page).get_by_role("button", name="Save version...")).to_be_enabled()
        expect(main(page).get_by_text(LOCK)).to_have_count(0)
        type_into_cell(page, spend_grid(page), JAN, 0, "25000")
        expect(grid_cell(spend_grid(page), JAN, 0)).to_have_text("25000", timeout=30_000)


# --- 6. a link to a page, the first request a server gets ----------------------------------


def test_a_link_to_a_page_as_a_new_servers_first_request_goes_through_the_sign_in(
    browser, tmp_path
) -> None:
    env = {**os.environ, DB_PATH_ENV: str(tmp_path / "plans.db"), "BUDGET_ADMINS": ADA[0]}
    env.pop("BUDGET_DB_URL", None)
    with (
        running_provider() as issuer,
        running_app_with_auth(tmp_path, issuer, env=env) as url,
        new_page(browser, f"{url}/people") as page,
    ):
        page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=60_000)
        wait_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_a_link_to_a_page_as_a_new_servers_first_request_opens_that_page(browser, tmp_path) -> None:
    env = {**os.environ, DB_PATH_ENV: str(tmp_path / "plans.db")}
    env.pop("BUDGET_DB_URL", None)
    with running_app(env=env) as url, new_page(browser, f"{url}/history") as page:
        expect(main(page).get_by_role("heading", name="History")).to_be_visible(timeout=60_000)
        wait_idle(page)
        expect(main(page)).to_contain_text("is not saved yet")
        expect(sidebar(page)).to_contain_text("local, every role, no sign-in")
        expect(page.get_by_test_id("stException")).to_have_count(0)
