"""Hostile or broken input: every upload is read within bounded work or refused with a
message naming what and where, and the plan in hand never changes.

The hostile files are made by ``tests.hostile_files``; none is kept in the repository.
"""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from budgets import PlanValidationError, parse_plan, plan_from_json, plan_to_json
from budgets.edits import Change, apply_changes, rename_channel
from budgets.plan import (
    MAX_CHANNELS,
    MAX_MONTHLY_AMOUNT,
    MAX_MONTHLY_SESSIONS,
    MAX_UNIT_PRICE,
    MIN_UNIT_PRICE,
)
from budgets.samples import largest_plan, sample_plan
from budgets.store import (
    PlanKey,
    SqlPlanStore,
    StoredVersionInvalidError,
    StoreUnavailableError,
    sqlite_url,
    store_from_env,
)
from models import project_plan
from models.curve_history import HistoryError, fit_curve, read_history
from models.excel.export import plan_workbook
from models.excel.reader import WorkbookRefusedError, plan_from_workbook
from tests import hostile_files as hostile
from tests.conftest import monthly, person, smallest_plan_data, with_changes

ROOT = Path(__file__).resolve().parent.parent
READABLE = 400  # the longest a single refusal line may be, whatever the input


def refusal(read: Any, data: Any) -> list[str]:
    with pytest.raises(PlanValidationError) as caught:
        read(data)
    return [str(issue) for issue in caught.value.issues]


# --- plan JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            hostile.deep_json,
            "File: it holds up to 100,000 objects and lists, more than any plan (at most 150 "
            "channels and 100 fixed-cost lines) has; it was not read.",
        ),
        (
            hostile.big_integer_json,
            "File: it holds a number written with 5,000 characters; a plan's numbers are "
            "written with at most 40.",
        ),
        (
            hostile.surrogate_name_json,
            "Channel 'Search \\ud800', name: 'Search \\ud800' is not allowed; it is not valid "
            "Unicode text: character 8 is a lone surrogate (\\ud800), which no file can hold.",
        ),
        (
            lambda: b"[" * 5_000 + b"]" * 5_000,
            "File: it nests deeper than any plan does (6 levels).",
        ),
        (
            lambda: b"{}" + b" " * (11 * 1024 * 1024),
            "File: the file is 11.0 MB, over the 10 MB a plan file may have.",
        ),
    ],
    ids=["nested_100000_deep", "integer_of_5000_digits", "lone_surrogate", "nested_5000",
         "over_10_mb"],
)  # fmt: skip
def test_a_hostile_plan_file_is_refused_with_a_message(build, expected) -> None:
    found = refusal(plan_from_json, build())

    assert found == [expected]


def test_a_huge_unknown_field_is_named_and_cut_to_a_readable_length() -> None:
    found = refusal(plan_from_json, hostile.unknown_field_json())

    assert len(found) == 1
    assert found[0].startswith("Notes: 'xxxxxxxx")
    assert "… (9,961,472 characters) is not allowed; no text in a plan is longer" in found[0]
    assert len(found[0]) < READABLE


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("fiscal_year", 2027.0, "Fiscal year: 2027.0 is not allowed; it must be a whole number."),
        ("fiscal_year", 2101, "Fiscal year: 2101 is not allowed; it must be at most 2100."),
        ("Unknown field", 1, "Plan: 'Unknown field' is not a field of a plan."),
        ("marketing.channels.0.colour", "red", "Channel 'Search': 'colour' is not a field of a channel."),
        (
            "marketing.channels.0.spend.2", 1e308,
            "Channel 'Search', spend, Mar 2027: 1e+308 is not allowed; it must be at most "
            "10,000,000,000, the bound on a channel's spend in a month.",
        ),
        (
            "marketing.channels.0.spend.2", 1e12,
            "Channel 'Search', spend, Mar 2027: 1e+12 is not allowed; it must be at most "
            "10,000,000,000, the bound on a channel's spend in a month.",
        ),
        (
            "pnl.site_aov.0", 1e308,
            "P&L budget, site AOV, Jan 2027: 1e+308 is not allowed; it must be at most "
            "1,000,000, the bound on a CPC, CPM or AOV.",
        ),
        (
            "pnl.organic_sessions.0", 1e308,
            "P&L budget, organic sessions, Jan 2027: 1e+308 is not allowed; it must be at most "
            "10,000,000,000, the bound on a month's organic sessions.",
        ),
        (
            "marketing.channels.0.cpc", 1e-9,
            "Channel 'Search', CPC: 1e-09 is not allowed; it must be at least 0.0001, the lower "
            "bound on a figure spend or revenue is divided by.",
        ),
        (
            "pnl.fixed_costs.0.amounts.0", 1e11,
            "Fixed-cost line 'Team', amount, Jan 2027: 1e+11 is not allowed; it must "
            "be at most 10,000,000,000, the bound on a fixed-cost line's month.",
        ),
        (
            "pnl.fulfilment_cost_per_order.0", 2e6,
            "P&L budget, fulfilment cost per order, Jan 2027: 2,000,000 is not allowed; it must "
            "be at most 1,000,000, the bound on a cost per order or return.",
        ),
        (
            "targets.net_sales", 1e16,
            "Targets, net-sales target: 1e+16 is not allowed; it must be at most "
            "1,000,000,000,000,000, the bound on the net-sales target.",
        ),
    ],
)  # fmt: skip
def test_a_value_beyond_its_bound_is_refused_naming_the_bound(path, value, expected) -> None:
    data = with_changes(smallest_plan_data(), path, value)

    found = refusal(parse_plan, data)

    assert found == [expected]


def test_more_channels_than_allowed_are_refused_with_the_limit() -> None:
    data = smallest_plan_data()
    search = data["marketing"]["channels"][0]
    data["marketing"]["channels"] = [
        {**search, "name": f"Search {i}"} for i in range(MAX_CHANNELS + 1)
    ]

    found = refusal(plan_from_json, json.dumps(data))

    assert found == [
        "Marketing plan, channels: it has 151 values; no list in a plan has more than 150 (a "
        "plan has at most 150 channels and 100 fixed-cost lines)."
    ]


def test_a_plan_with_thousands_of_problems_lists_thirty_and_counts_the_rest() -> None:
    data = smallest_plan_data()
    for channel in data["marketing"]["channels"]:
        channel["spend"] = [-1.0] * 12
    data["pnl"]["return_rate"] = [2.0] * 12

    found = refusal(parse_plan, data)

    assert len(found) == 31
    assert found[-1] == "And more: 18 other problems are not listed; fix these first."


def test_the_largest_plan_allowed_projects_to_finite_figures_at_every_bound() -> None:
    data = smallest_plan_data()
    for channel in data["marketing"]["channels"]:
        channel["spend"] = monthly(MAX_MONTHLY_AMOUNT)
        channel["conversion_rate"] = 1.0
        for price in ("cpc", "cpm"):
            if price in channel:
                channel[price] = MIN_UNIT_PRICE
        if "ctr" in channel:
            channel["ctr"] = 1.0
    data["marketing"]["channels"][1]["aov"] = MAX_UNIT_PRICE
    pnl = data["pnl"]
    pnl.update(
        organic_sessions=monthly(MAX_MONTHLY_SESSIONS), site_conversion_rate=monthly(1.0),
        site_aov=monthly(MAX_UNIT_PRICE), fulfilment_cost_per_order=monthly(MAX_UNIT_PRICE),
        returns_cost_per_return=monthly(MAX_UNIT_PRICE),
    )  # fmt: skip
    pnl["fixed_costs"][0]["amounts"] = monthly(MAX_MONTHLY_AMOUNT)
    plan = parse_plan(data)

    projection = project_plan(plan)

    assert np.isfinite(projection.lines).all()
    for solve in projection.targets.solves:
        assert "nan" not in solve.explanation, solve.key
        assert "inf" not in solve.explanation, solve.key
    assert plan_from_workbook(plan_workbook(plan)) == plan


# --- names that look alike -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Google\u200b Search - Brand",
            "Channel 'Google\\u200b Search - Brand', name: 'Google\\u200b Search - Brand' is not allowed; a name must "
            "not contain invisible characters (character 7 is U+200B ZERO WIDTH SPACE): the name "
            "would look like another.",
        ),
        (
            "\u202eAgency",
            "Channel '\\u202eAgency', name: '\\u202eAgency' is not allowed; a name must not contain "
            "invisible characters (character 1 is U+202E RIGHT-TO-LEFT OVERRIDE): the name "
            "would look like another.",
        ),
        (
            "Gоogle Search - Brand",  # a Cyrillic о
            "Channel 'Gоogle Search - Brand', name: 'Gоogle Search - Brand' is not allowed; a word of a name "
            "must not mix Cyrillic and Latin letters ('Gоogle'): it would look like another name.",
        ),
        (
            "Ａgency",  # a fullwidth A: the same name as 'Agency' once normalised
            "Marketing plan: duplicate channel name 'Agency' (channels 1 and 3); names must be "
            "unique.",
        ),
        (
            "Тахі",  # all Cyrillic, drawn like the channel 'Taxi'
            "Marketing plan: duplicate channel name 'Taxi' (channels 1 and 2); names must be "
            "unique.",
        ),
        (
            "Agency  ",
            "Marketing plan: duplicate channel name 'Agency' (channels 1 and 3); names must be "
            "unique.",
        ),
    ],
    ids=["zero_width_space", "right_to_left_override", "cyrillic_o", "fullwidth", "all_cyrillic",
         "trailing_spaces"],
)  # fmt: skip
def test_a_name_that_would_look_like_another_is_refused(smallest, name, expected) -> None:
    plan = rename_channel(smallest, "Social", "Taxi")

    with pytest.raises(PlanValidationError) as caught:
        rename_channel(plan, "Search", name)

    assert [str(issue) for issue in caught.value.issues] == [expected]
    assert plan.marketing.channels[0].name == "Search"


def test_names_in_other_scripts_are_kept(smallest) -> None:
    renamed = rename_channel(smallest, "Search", "Яндекс Директ")

    assert renamed.marketing.channels[0].name == "Яндекс Директ"


def test_a_long_value_is_quoted_cut_to_eighty_characters(smallest) -> None:
    with pytest.raises(PlanValidationError) as caught:
        rename_channel(smallest, "Search", "y" * 10_000)

    message = str(caught.value)
    assert f"'{'y' * 80}'… (10,000 characters) is not allowed" in message
    assert len(message) < READABLE


# --- edits whose place does not exist --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            ("marketing", "channels", 999, "spend", 0),
            "Marketing plan, channels: there is no channel at position 999 (it has 3, at "
            "positions 0 to 2); the edit was not applied.",
        ),
        (
            ("marketing", "channels", -1, "spend", 0),
            "Marketing plan, channels: there is no channel at position -1 (it has 3, at "
            "positions 0 to 2); the edit was not applied.",
        ),
        (
            ("marketing", "channels", 0, "spend", 12),
            "Channel 'Search', spend: there is no month at position 12 (it has 12, at positions "
            "0 to 11); the edit was not applied.",
        ),
        (("pnl", "no_such_driver", 0), "P&L budget: 'no_such_driver' is not a field here; the edit was not applied."),
        (("marketing", "channels", 0, "colour"), "Channel 'Search': 'colour' is not a field of a channel."),
    ],
)  # fmt: skip
def test_an_edit_of_a_place_the_plan_lacks_is_refused_and_the_rest_applied(
    smallest, path, expected
) -> None:
    changes = [Change(path, 5.0), Change(("marketing", "channels", 0, "spend", 1), 7.0)]

    changed, issues = apply_changes(smallest, changes)

    assert [str(issue) for issue in issues] == [expected]
    assert changed.marketing.channels[0].spend[1] == 7.0
    assert changed.marketing.channels[-1] == smallest.marketing.channels[-1]
    assert smallest.marketing.channels[0].spend[1] == 1000.0


# --- the plan store ---------------------------------------------------------------------


def test_a_corrupted_database_file_is_named_with_why(tmp_path) -> None:
    path = tmp_path / "plans.db"
    path.write_bytes(b"not a database" * 1000)

    with pytest.raises(StoreUnavailableError) as caught:
        store_from_env({"BUDGET_DB_PATH": str(path)})

    assert str(caught.value) == (
        f"The plan database at {path} cannot be used right now: file is not a database"
    )


def test_a_database_path_under_a_file_is_named_with_why(tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "plans.db"

    with pytest.raises(StoreUnavailableError) as caught:
        store_from_env({"BUDGET_DB_PATH": str(path)})

    assert str(caught.value).startswith(
        f"The plan database at {path} cannot be created: its folder {path.parent} cannot be "
        "made (File exists)."
    )


def test_an_unparsable_database_url_is_named_without_its_password() -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        store_from_env({"BUDGET_DB_URL": "://planner:secret@db"})

    assert str(caught.value).startswith(
        "The plan database URL '://planner:***@db' (BUDGET_DB_URL) is not a database URL"
    )
    assert "secret" not in str(caught.value)


def test_a_database_damaged_after_opening_is_named_on_every_operation(tmp_path, smallest):
    path = tmp_path / "plans.db"
    store = SqlPlanStore(sqlite_url(path))
    store.save(smallest, base_version=None, by=person("Marta"))
    store.close()
    path.write_bytes(b"\0" * 100 + path.read_bytes()[100:])
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

    with pytest.raises(StoreUnavailableError, match=f"The plan database at {path} cannot be used"):
        SqlPlanStore(sqlite_url(path)).list()


def test_a_stored_version_that_no_longer_validates_is_named(tmp_path, smallest) -> None:
    path = tmp_path / "plans.db"
    with SqlPlanStore(sqlite_url(path)) as store:
        store.save(smallest, base_version=None, by=person("Marta"))
    bad = json.loads(plan_to_json(smallest))
    bad["pnl"]["return_rate"][0] = 2.0
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TRIGGER plan_versions_refuse_update")
        connection.execute("UPDATE plan_versions SET plan_json = ?", (json.dumps(bad),))

    with (
        SqlPlanStore(sqlite_url(path)) as store,
        pytest.raises(StoredVersionInvalidError) as caught,
    ):
        store.get(PlanKey("Smallest", 2027))

    assert str(caught.value) == (
        f"Version 1 of the plan 'Smallest' (FY2027) in the plan database at {path} cannot be "
        "opened: it does not read as a valid plan.\n"
        "- P&L budget, return rate, Jan 2027: 2 (200 %) is not allowed; a rate must be between "
        "0 % and 100 %."
    )


def test_the_app_shows_a_damaged_database_and_keeps_the_plan_in_hand(tmp_path, monkeypatch):
    from tests.test_app import open_app, plan_of

    path = tmp_path / "plans.db"
    path.write_bytes(b"not a database" * 1000)
    monkeypatch.setenv("BUDGET_DB_PATH", str(path))

    at = open_app(open_plan_box=True)
    at.run()

    assert plan_of(at) == sample_plan()
    assert f"The plan database at {path} cannot be used right now" in at.error[0].value


def test_the_app_refuses_a_hostile_upload_and_keeps_the_plan_in_hand() -> None:
    from tests.test_app import open_app, plan_of

    at = open_app(open_plan_box=True)

    at.sidebar.file_uploader[0].upload("deep.json", hostile.deep_json())
    at.run()

    assert plan_of(at) == sample_plan()
    assert "File 'deep.json' is not a valid plan; the current plan is unchanged." in (
        at.error[0].value
    )


# --- workbooks ----------------------------------------------------------------------------


def test_a_cell_far_below_the_plan_is_refused_from_the_sheets_dimension() -> None:
    start = time.process_time()

    found = refusal(plan_from_workbook, hostile.far_away_cell(10_000_000))

    assert found == [
        "Workbook: its sheet 'Marketing plan' declares cells down to row 10,000,000; the largest "
        "plan (150 channels, 100 fixed-cost lines) fills fewer than 2,500 rows, so it was not "
        "read (delete the cells below the plan and save again)."
    ]
    assert time.process_time() - start < 2


def test_a_far_cell_without_a_dimension_is_never_reached(sample) -> None:
    start = time.process_time()

    plan = plan_from_workbook(hostile.far_away_cell_without_dimension(1_000_000_000))

    assert plan == sample
    assert time.process_time() - start < 2


def test_an_inflated_sheet_is_refused_before_it_is_parsed() -> None:
    data = hostile.inflated_sheet(25)

    with pytest.raises(WorkbookRefusedError) as caught:
        plan_from_workbook(data)

    assert str(caught.value) == (
        "Workbook: its part 'xl/worksheets/sheet3.xml' unpacks to 25 MB, over the 20 MB any part "
        "of a plan's workbook may have (the largest plan's largest sheet has 2.3 MB)."
    )


def test_a_sheet_with_more_tags_than_any_plan_is_refused() -> None:
    with pytest.raises(WorkbookRefusedError, match=r"its XML holds more than 350,000 tags"):
        plan_from_workbook(hostile.inflated_sheet(12))


def test_a_workbook_of_many_parts_is_refused(sample_workbook_parts) -> None:
    parts = dict(sample_workbook_parts)
    parts.update({f"xl/media/image{i}.png": b"png" for i in range(40)})

    with pytest.raises(
        WorkbookRefusedError, match=rf"it has {len(parts)} parts; an exported workbook has"
    ):
        plan_from_workbook(hostile._zipped(parts))


@pytest.fixture(scope="module")
def sample_workbook_parts() -> dict[str, bytes]:
    return hostile._parts(hostile.sample_workbook())


@pytest.mark.slow
def test_the_largest_plan_allowed_exports_in_under_5_s_and_imports_back_equal() -> None:
    plan = largest_plan()
    start = time.process_time()

    data = plan_workbook(plan)

    assert time.process_time() - start < 5
    assert plan_from_workbook(data) == plan


def test_a_workbook_of_a_plan_over_the_limit_is_refused_when_opened() -> None:
    plan = largest_plan()
    data = json.loads(plan_to_json(plan))
    data["marketing"]["channels"].append({**data["marketing"]["channels"][0], "name": "One more"})

    found = refusal(plan_from_json, json.dumps(data))

    assert "a plan has at most 150 channels" in found[0]


# --- curves CSV ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            hostile.wide_csv_header,
            "File: its header has 1,000,000 columns and 7,888,889 characters; a history file "
            "has the columns month, channel, spend, revenue (at most 50 columns and 10,000 "
            "characters in all).",
        ),
        (
            hostile.nul_header_csv,
            "File: line 1 holds a NUL character, which a text CSV file never does; save the "
            "history as CSV (UTF-8) and upload it again.",
        ),
        (
            hostile.long_csv,
            "File: it has 331,845 rows; a history file has at most 20,000 (every month of ten "
            "years for 150 channels).",
        ),
        (
            lambda: b"month,channel,spend,revenue\n" + b"x" * (11 * 1024 * 1024),
            "File: it is 11.0 MB, over the 10 MB a history file may have.",
        ),
    ],
    ids=["header_of_1000000_columns", "nul_in_header", "10_mb_of_rows", "over_10_mb"],
)
def test_a_hostile_history_file_is_refused_at_once(build, expected) -> None:
    data = build()
    start = time.process_time()

    with pytest.raises(HistoryError) as caught:
        read_history(data)

    assert str(caught.value) == expected
    assert time.process_time() - start < 2


def test_revenue_near_the_largest_float_is_refused_by_row_not_an_overflow() -> None:
    history = read_history(hostile.overflowing_csv())

    fit = fit_curve(history, "Search")

    assert fit.curve is None
    assert fit.refusal is not None
    assert fit.refusal.startswith(
        "Refused, because some of its rows cannot be used (Line 2: revenue 5e+305 is not "
        "allowed; it must be at most 1,000,000,000,000,000, the bound on a channel's revenue in "
        "a month;"
    )


def test_a_ten_megabyte_channel_name_is_cut_in_every_message() -> None:
    history = read_history(hostile.long_channel_name_csv())

    fit = fit_curve(history, "Search")

    assert fit.refusal is not None
    assert "… (10,485,660 characters)" in fit.refusal
    assert len(fit.refusal) < READABLE


def test_the_largest_history_allowed_reads_and_fits_in_under_2_s() -> None:
    data = hostile.largest_csv()
    start = time.process_time()

    history = read_history(data)
    fit = fit_curve(history, "Channel 0")

    assert len(history.rows) == 20_000
    assert fit.curve is not None
    assert time.process_time() - start < 2


# --- the command line ---------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "models", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (hostile.deep_json, "objects and lists, more than any plan"),
        (hostile.big_integer_json, "a number written with 5,000 characters"),
        (hostile.surrogate_name_json, "is a lone surrogate (\\ud800)"),
        (hostile.unknown_field_json, "… (9,961,472 characters) is not allowed"),
        (
            lambda: json.dumps(with_changes(smallest_plan_data(), "pnl.site_aov.0", 1e308)).encode(),
            "it must be at most 1,000,000, the bound on a CPC, CPM or AOV",
        ),
    ],
    ids=["nested", "big_integer", "lone_surrogate", "unknown_field_9_mb", "aov_1e308"],
)  # fmt: skip
def test_the_command_line_refuses_a_hostile_plan_with_a_short_message(
    tmp_path, build, expected
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(build())

    result = run_cli("summary", str(path), "--json")

    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr) < 2_000
    assert result.stdout == ""


def test_the_command_line_says_why_it_cannot_write_the_workbook(tmp_path) -> None:
    from budgets.samples import SAMPLE_PLAN_PATH

    result = run_cli("export", str(SAMPLE_PLAN_PATH), "-o", str(tmp_path / "no" / "out.xlsx"))

    assert result.returncode == 2
    assert "Cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_nan_and_infinity_never_reach_the_engine() -> None:
    data = with_changes(smallest_plan_data(), "pnl.site_aov.0", math.inf)

    found = refusal(parse_plan, data)

    assert found == [
        "P&L budget, site AOV, Jan 2027: inf is not allowed; it must be a finite number, not NaN "
        "or infinity."
    ]
