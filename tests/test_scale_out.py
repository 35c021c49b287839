"""Scale-out on real parts: two app replicas over one PostgreSQL, behind nginx.

The cluster is what ``deploy/`` ships: ``deploy.replicas`` starts the replicas with
the shared settings and one cookie secret, and nginx runs the shipped site (its
ports and log folder rendered for the test) as a foreground process with its own
prefix, pid and logs in a temporary folder. Browsers go through nginx pinned to
a replica by its ``planner_replica`` cookie, the way a person's browser stays on
the replica it first reached.
"""

from __future__ import annotations

import re
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.cluster import Cluster, fresh_client, nginx_binary, running_cluster
from budgets.samples import sample_plan
from budgets.store import PlanKey, SqlPlanStore, VersionStatus
from deploy.replicas import (
    NGINX_SITE,
    SETTINGS,
    shared_flags,
)
from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, choose, open_app_page, wait_idle
from tests.conftest import person
from tests.pg_server import PostgresUnavailableError
from ui.identity import local_user

COOKIE = "planner_replica"
REPLICA_HEADER = "X-Planner-Replica"
SAMPLE_OPTION = "Maison Nord – Online FY2027 · v1 draft"
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


# --- the shipped settings agree with the app ------------------------------------------------


def test_nginx_takes_uploads_as_large_as_the_app_and_no_secret_is_shipped() -> None:
    app_config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    site = NGINX_SITE.read_text()
    flags = shared_flags()

    assert f"client_max_body_size {app_config['server']['maxUploadSize']}m;" in site
    assert "hash $planner_sticky consistent;" in site
    for setting in ("--server.address", "127.0.0.1", "--server.enableXsrfProtection", "true"):
        assert setting in flags
    assert not any("cookieSecret" in flag for flag in flags)
    shipped = [path.read_text() for path in SETTINGS.parent.rglob("*.*") if path.suffix != ".pyc"]
    assert not any(re.search(r"COOKIE_SECRET=(?!CHANGE-ME)\S", text) for text in shipped)


# --- the cluster ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if nginx_binary() is None:
        pytest.skip("needs nginx (Debian's nginx or nginx-light package)")
    try:
        with running_cluster(tmp_path_factory.mktemp("scale-out")) as started:
            yield started
    except PostgresUnavailableError as error:
        pytest.skip(f"needs a PostgreSQL server: {error}")


# --- plain HTTP through nginx -----------------------------------------------------------------


def get(client: urllib.request.OpenerDirector, url: str) -> tuple[bytes, dict[str, str]]:
    with client.open(url, timeout=10) as response:
        return response.read(), dict(response.headers)


def replica_port(headers: dict[str, str]) -> int:
    """The port of the replica that answered, from the header the site adds."""
    return int(headers[REPLICA_HEADER].rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def replica_cookies(cluster: Cluster) -> dict[int, str]:
    """A ``planner_replica`` cookie for each replica's port, from fresh clients' first visits."""
    cookies: dict[int, str] = {}
    for _ in range(60):
        _, headers = get(fresh_client(), f"{cluster.nginx_url}/")
        cookie = re.match(rf"{COOKIE}=([0-9a-f]+);", headers["Set-Cookie"])
        assert cookie is not None, headers["Set-Cookie"]
        cookies.setdefault(replica_port(headers), cookie.group(1))
        if len(cookies) == len(cluster.replicas):
            break
    return cookies


@pytest.mark.slow
def test_health_answers_through_nginx(cluster: Cluster) -> None:
    body, headers = get(fresh_client(), f"{cluster.nginx_url}/_stcore/health")

    assert body == b"ok"
    assert replica_port(headers) in {replica.port for replica in cluster.replicas}


@pytest.mark.slow
def test_a_client_stays_on_its_replica_and_fresh_clients_reach_both(cluster: Cluster) -> None:
    client = fresh_client()
    _, first = get(client, f"{cluster.nginx_url}/")
    cookie = rf"{COOKIE}=[0-9a-f]{{32}}; Path=/; HttpOnly; SameSite=Lax"
    assert re.fullmatch(cookie, first["Set-Cookie"])

    paths = ("/", "/_stcore/health", "/_stcore/host-config") * 3
    later = [get(client, f"{cluster.nginx_url}{path}")[1] for path in paths]
    assert {replica_port(headers) for headers in later} == {replica_port(first)}
    assert not any("Set-Cookie" in headers for headers in later)

    reached = {replica_port(get(fresh_client(), f"{cluster.nginx_url}/")[1]) for _ in range(40)}
    assert reached == {replica.port for replica in cluster.replicas}


# --- browsers pinned to a replica -------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def pinned_page(browser, cluster: Cluster, cookie: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser on the app through nginx, its ``planner_replica`` cookie set to ``cookie``.

    Every HTTP response the page receives is checked to come from one replica.
    """
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    context.add_cookies([{"name": COOKIE, "value": cookie, "url": cluster.nginx_url}])
    answered: set[str] = set()
    try:
        page = context.new_page()
        page.on(
            "response", lambda response: answered.add(response.headers.get("x-planner-replica", ""))
        )
        open_app_page(page, cluster.nginx_url)
        yield page
        assert len(answered) == 1, f"answered by {answered}"
    finally:
        context.close()


def sidebar(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stSidebar")


def open_save_dialog(page, comment: str):  # type: ignore[no-untyped-def]
    """Open "Save version...", say why; the dialog, not yet submitted (the version records
    who saves it: here the local user, with no sign-in)."""
    page.get_by_role("button", name="Save version...").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.get_by_role("textbox", name="Comment").fill(comment)
    return dialog


def save_outcome(page, dialog, version: int) -> str:  # type: ignore[no-untyped-def]
    """ "saved" once the sidebar shows the new version, else the error the dialog shows."""
    error = dialog.get_by_test_id("stAlertContentError")
    saved = sidebar(page).filter(has_text=f"Version {version} · draft")
    error.or_(saved).first.wait_for(timeout=60_000)
    wait_idle(page)
    return error.inner_text() if error.count() else "saved"


def open_stored_plan(page, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open "Open a plan" in the sidebar and choose a stored plan from its list."""
    from playwright.sync_api import expect

    opener = page.get_by_text("Open a plan")
    opener.click()
    wait_idle(page)
    stored = page.get_by_role("combobox", name="Stored plans")
    expect(stored).to_be_visible(timeout=30_000)
    choose(page, stored, option)


def logged_replicas(cluster: Cluster, cookie: str, streams: int) -> set[str]:
    """The replicas the access log names for ``cookie``, once ``streams`` websockets are logged.

    nginx logs a websocket when it closes, so the log is read until it has them.
    """
    deadline = time.monotonic() + 30
    pattern = re.compile(rf'"(\S+) (\S+) [^"]*" \d+ \d+ replica=(\S+) key={cookie} ')
    while True:
        lines = pattern.findall(cluster.access_log.read_text())
        if sum(path == "/_stcore/stream" for _, path, _ in lines) >= streams:
            return {replica for _, _, replica in lines}
        assert time.monotonic() < deadline, f"{streams} websockets for {cookie} not logged"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_a_version_saved_through_one_replica_opens_through_the_other(
    cluster: Cluster, replica_cookies: dict[int, str], chromium, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    first, second = (replica.port for replica in cluster.replicas)
    with (
        pinned_page(chromium, cluster, replica_cookies[first]) as page_a,
        pinned_page(chromium, cluster, replica_cookies[second]) as page_b,
    ):
        dialog = open_save_dialog(page_a, "Saved on the first replica")
        dialog.get_by_role("button", name="Save version").click()
        assert save_outcome(page_a, dialog, 1) == "saved"

        open_stored_plan(page_b, SAMPLE_OPTION)
        expect(sidebar(page_b)).to_contain_text("Version 1 · draft", timeout=30_000)
        expect(sidebar(page_b)).to_contain_text(f"by {local_user().name}")
        # A download is served from the memory of the replica that made it.
        page_b.get_by_role("button", name="Download...").click()
        with page_b.expect_download() as download:
            page_b.get_by_role("button", name="Workbook (Excel)").click()
        download.value.save_as(tmp_path / "plan.xlsx")
        assert (tmp_path / "plan.xlsx").stat().st_size > 0

    for port in (first, second):
        assert logged_replicas(cluster, replica_cookies[port], streams=1) == {f"127.0.0.1:{port}"}


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_two_users_on_two_replicas_saving_on_one_version_only_one_saves(
    cluster: Cluster, replica_cookies: dict[int, str], chromium
) -> None:
    from playwright.sync_api import expect

    plan = sample_plan().model_copy(update={"name": "Conflict across replicas"})
    with SqlPlanStore(cluster.db_url) as store:
        store.save(
            plan, base_version=None, by=person("Omar"), comment="", status=VersionStatus.DRAFT
        )
    comments = ("Through the first replica", "Through the second replica")
    ports = [replica.port for replica in cluster.replicas]
    with (
        pinned_page(chromium, cluster, replica_cookies[ports[0]]) as page_a,
        pinned_page(chromium, cluster, replica_cookies[ports[1]]) as page_b,
    ):
        pages = (page_a, page_b)
        for page in pages:
            open_stored_plan(page, "Conflict across replicas FY2027 · v1 draft")
            expect(sidebar(page)).to_contain_text("Version 1 · draft", timeout=30_000)
        dialogs = [
            open_save_dialog(page, comment) for page, comment in zip(pages, comments, strict=True)
        ]
        for dialog in dialogs:  # both saves sent at once
            dialog.get_by_role("button", name="Save version").click()
        outcomes = [
            save_outcome(page, dialog, 2) for page, dialog in zip(pages, dialogs, strict=True)
        ]

    assert outcomes.count("saved") == 1, outcomes
    winner = comments[outcomes.index("saved")]
    (refusal,) = (outcome for outcome in outcomes if outcome != "saved")
    assert (
        "Not saved. Version 2 of the plan 'Conflict across replicas' (FY2027) was saved by "
        f"{local_user().name} on "
    ) in refusal
    assert "after version 1 that your edits started from. Your edits are not saved" in refusal
    with SqlPlanStore(cluster.db_url) as store:
        history = store.history(PlanKey.of(plan))
    assert [(info.version, info.comment) for info in history] == [(2, winner), (1, "")]


# --- the database goes away and comes back ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_without_postgresql_the_app_says_so_and_recovers_when_it_is_back(
    cluster: Cluster, replica_cookies: dict[int, str], chromium
) -> None:
    from playwright.sync_api import expect

    plan = sample_plan().model_copy(update={"name": "Kept through the outage"})
    with SqlPlanStore(cluster.db_url) as store:
        store.save(
            plan, base_version=None, by=person("Omar"), comment="", status=VersionStatus.DRAFT
        )
    replica = cluster.replicas[0]
    unavailable = f"The plan database at {cluster.db_url} cannot be used right now"
    with pinned_page(chromium, cluster, replica_cookies[replica.port]) as page:
        cluster.postgres.stop_server()
        try:
            for url in (cluster.nginx_url, *(each.url for each in cluster.replicas)):
                assert get(fresh_client(), f"{url}/_stcore/health")[0] == b"ok"

            page.get_by_text("Open a plan").click()
            wait_idle(page)
            main = page.get_by_test_id("stMain")
            expect(main.get_by_test_id("stAlertContentError")).to_contain_text(
                unavailable, timeout=30_000
            )
            dialog = open_save_dialog(page, "While the database is down")
            dialog.get_by_role("button", name="Save version").click()
            refusal = save_outcome(page, dialog, 1)
            assert f"Not saved. {unavailable}" in refusal
            expect(page.get_by_test_id("stException")).to_have_count(0)
        finally:
            cluster.postgres.restart()

        open_app_page(page, cluster.nginx_url)
        open_stored_plan(page, "Kept through the outage FY2027 · v1 draft")
        expect(sidebar(page)).to_contain_text("Version 1 · draft", timeout=30_000)
        dialog = open_save_dialog(page, "After the database is back")
        dialog.get_by_role("button", name="Save version").click()
        assert save_outcome(page, dialog, 2) == "saved"
        expect(page.get_by_test_id("stException")).to_have_count(0)


# --- many users: the websocket load client --------------------------------------------------


@pytest.mark.slow
def test_a_hundred_sessions_across_two_replicas_lose_no_download_and_see_no_other_session(
    cluster: Cluster,
) -> None:
    from benchmarks import load

    (row,) = load.run_levels(
        [cluster.nginx_url], [100], duration=30.0, pids=cluster.pids, download_every=3
    )

    assert row.sessions == 100, row.examples
    assert row.edits > 100, row
    assert row.edit_failures == 0, row.examples
    assert row.downloads > 30, row
    assert row.download_failures == {}, row.examples
    assert row.leaks == 0, row.examples
    assert row.lost_sessions == 0, row.examples
