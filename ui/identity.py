"""Who the session's user is: the local user, or a team member signed in with OpenID Connect.

Two modes, chosen by the app's secrets:

* **Local** (no ``[auth]`` section in ``.streamlit/secrets.toml``): no
  sign-in; the user is the computer's user, holding every role. The server
  listens on 127.0.0.1 only (``.streamlit/config.toml``).
* **Team** (an ``[auth]`` section): sign-in through Streamlit's ``st.login``
  with the OpenID Connect provider configured there; the user is the
  address the provider vouches for, with the roles the plan store gives that
  address. An empty store's first admins are named by ``BUDGET_ADMINS``
  (comma-separated addresses).

``gate`` runs at the top of every run, before any widget: it signs the user
in, or stops the run on a page saying what to do, and keeps who acts under
``state.USER`` for the edits and the store (``state.acting_user``).
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Callable
from typing import NoReturn

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from budgets.access import EVERY_ROLE, REVIEW, SUBMIT, AccessError, Role, User, clean_email
from budgets.store import PlanStoreError, VersionStatus
from ui import state, storage

ADMINS_ENV = "BUDGET_ADMINS"
ROLES_TTL_S = 10.0  # roles an admin changes reach a signed-in session within this time
WAITING_TTL_S = 15.0


def team_mode() -> bool:
    """Whether sign-in is configured (an ``[auth]`` section in the app's secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file, or one that does not parse: no sign-in configured
        return False


def local_user() -> User:
    name = getpass.getuser() or "local"
    return User(f"{name.lower()}@localhost", name, EVERY_ROLE)


def configured_admins() -> tuple[str, ...]:
    """The addresses ``BUDGET_ADMINS`` names (comma-separated), checked; bad ones left out."""
    admins = []
    for address in os.environ.get(ADMINS_ENV, "").split(","):
        try:
            admins.append(clean_email(address))
        except AccessError:
            continue
    return tuple(admins)


@st.cache_resource(show_spinner=False)
def _first_admins_named(admins: tuple[str, ...]) -> bool:
    """Name the configured admins in a store without any, once per process."""
    return storage.plan_store().name_first_admins(admins)


@st.cache_data(ttl=ROLES_TTL_S, show_spinner=False)
def _roles_of(email: str) -> frozenset[Role]:
    return storage.plan_store().roles_of(email)


def forget_roles() -> None:
    """Read every user's roles from the store again (after an admin changed some)."""
    _roles_of.clear()


def _signed_in_user() -> User | None:
    if not st.user.is_logged_in:
        return None
    # Microsoft Entra ID gives the address as preferred_username unless the email claim is set.
    email = str(st.user.get("email") or st.user.get("preferred_username") or "")
    name = str(st.user.get("name") or email)
    try:
        email = clean_email(email)
    except AccessError:
        return User(email, name)
    admins = configured_admins()
    try:
        if admins:
            _first_admins_named(admins)
        roles = _roles_of(email)
    except PlanStoreError as error:
        state.report([str(error)])
        roles = frozenset()
    return User(email, name, roles)


def _sign_in_page() -> None:
    st.title("Budget planner")
    st.markdown(
        "The marketing spend plan and the e-commerce P&L of the team, linked. Sign in with "
        "your work account to open them."
    )
    st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)


def _no_role_page(user: User) -> None:
    st.title("Budget planner")
    # A store that could not be read for the roles says so: the roles may well be there.
    state.show_refused()
    admins = ", ".join(sorted(_admins())) or ", ".join(configured_admins()) or "your IT team"
    st.warning(
        f"You are signed in as **{user.label}**, but you have no role in this planner yet, so "
        f"it shows you nothing. Ask an admin to give {user.email or 'your address'} a role "
        f"(marketing manager, e-commerce manager or finance): {admins}.",
        icon=":material/lock_person:",
    )
    st.button("Sign out", icon=":material/logout:", on_click=st.logout)


def _admins() -> list[str]:
    try:
        holders = storage.plan_store().role_holders()
    except PlanStoreError:
        return []
    return [email for email, roles in holders.items() if Role.ADMIN in roles]


def _only(page: Callable[[], None], title: str) -> NoReturn:
    """Show ``page`` as the app's one page, whatever the address asked for, and end the run.

    The run must register a navigation before it stops: without one, Streamlit
    would list and serve the files of ``pages/`` as pages, outside this gate.
    """
    st.navigation([st.Page(page, title=title, url_path="welcome", default=True)],
                  position="hidden").run()  # fmt: skip
    st.stop()


def through_app() -> None:
    """Let a page run only inside app.py, behind its sign-in.

    Until app.py first calls ``st.navigation`` in a server process, Streamlit
    keeps its older behaviour for a ``pages/`` folder: a first request for a
    page's own address (a bookmark, a shared link) runs that page's file alone,
    without app.py and its gate. Such a run is turned away here and started
    again through app.py, which then opens the page asked for if the user may.
    """
    if state.USER in st.session_state:
        return
    PagesManager.uses_pages_directory = False  # what st.navigation itself sets
    st.rerun()


def gate() -> User:
    """The session's user, kept for the run's edits; or a page that says why not, and stop."""
    if not team_mode():
        user = local_user()
    else:
        signed_in = _signed_in_user()
        if signed_in is None:
            st.session_state[state.USER] = None
            _only(_sign_in_page, "Sign in")
        user = signed_in
        if not user.roles:
            st.session_state[state.USER] = None
            _only(lambda: _no_role_page(user), "No role yet")
    st.session_state[state.USER] = user
    return user


def sign_out_button() -> None:
    if team_mode():
        st.button(
            "Sign out", icon=":material/logout:", width="stretch", key="sign_out",
            on_click=st.logout,
        )  # fmt: skip


def who_line(user: User) -> str:
    """The sidebar's line on who is signed in, with which roles."""
    if not team_mode():
        return f":gray[:material/person: {user.name} · local, every role, no sign-in]"
    return f":gray[:material/person: {user.label} · {user.roles_text()}]"


def waiting_on(user: User) -> tuple[str, ...]:
    """What waits on the user: plans whose latest version awaits their review (finance), or
    was sent back with changes requested (the managers). Read at most every 15 s."""
    cached = st.session_state.get(state.WAITING)
    now = time.monotonic()
    if cached is None or now - cached[0] > WAITING_TTL_S or cached[1] != user.email:
        try:
            summaries = storage.plan_store().list()
        except PlanStoreError:
            summaries = ()
        review = [s for s in summaries if s.latest.status is VersionStatus.SUBMITTED]
        sent_back = [s for s in summaries if s.latest.status is VersionStatus.CHANGES_REQUESTED]
        lines = []
        if user.may(REVIEW) and review:
            count = len(review)
            lines.append(f"{count} plan{'s await' if count > 1 else ' awaits'} your review")
        if user.may(SUBMIT) and sent_back:
            count = len(sent_back)
            lines.append(
                f"{count} plan{'s were' if count > 1 else ' was'} sent back with changes requested"
            )
        cached = (now, user.email, tuple(lines))
        st.session_state[state.WAITING] = cached
    lines_now: tuple[str, ...] = cached[2]
    return lines_now
