"""The curves and allocator screen in-process (AppTest): set, fit and remove curves; run and apply."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from budgets import Plan
from budgets.samples import sample_plan
from models import project_plan
from models.allocator import AllocationLimits, AllocationMode, allocate
from models.curve_plans import example_history_csv, with_plan_curves
from models.curves import curve_from_knowledge
from tests.test_app import open_app, open_boxes, open_view, plan_of

PAGE = "pages/allocator.py"
BRAND = "Google Search – Brand"


def on_page(plan: Plan | None = None, tab: str = "Response curves") -> AppTest:
    at = open_app(plan)
    at.switch_page(PAGE).run()
    return open_view(at, "allocator", tab)


def on_history_fit(at: AppTest) -> AppTest:
    return open_view(at, "curve_source", "Fit to last year's months")


def submit(at: AppTest, form: str, label: str) -> AppTest:
    """Click a form's submit button; the form's key carries the plan's revision."""
    key = next(b.key for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}"))
    assert key.endswith(label)
    return at.button(key=key).click().run()


def number(at: AppTest, key_end: str):  # type: ignore[no-untyped-def]
    return next(n for n in at.number_input if n.key and n.key.endswith(key_end))


def amount(at: AppTest, key_end: str):  # type: ignore[no-untyped-def]
    """A money field: typed as text, with thousands separators."""
    return next(n for n in at.text_input if n.key and n.key.endswith(key_end))


@pytest.mark.parametrize("plan_name", ["sample", "large"])
def test_the_page_renders_and_says_there_is_nothing_to_allocate_without_curves(
    plan_name: str, large
) -> None:
    at = on_page(sample_plan() if plan_name == "sample" else large, "Allocator")

    assert not at.exception
    assert not at.error
    assert at.caption[0].value.startswith("A response curve says how a channel's revenue")
    assert any("No channel has a response curve yet" in i.value for i in at.info)


def test_every_channel_gets_a_curve_through_its_plan() -> None:
    at = on_page()
    open_boxes(at, "plan_curves_box")

    at = submit(at, "plan_curves", "Set the curves")

    plan = plan_of(at)
    assert plan == with_plan_curves(sample_plan(), 2.0, 1.0)
    assert sum(c.response is not None for c in plan.marketing.channels) == 9
    assert not at.exception


def test_a_curve_from_what_the_manager_knows() -> None:
    at = on_page()
    amount(at, "_spend").set_value("20,000")
    number(at, "_roas").set_value(5.0)
    amount(at, "_halved").set_value("60,000")

    at = submit(at, f"knowledge_{BRAND}", "Set this curve")

    curve = plan_of(at).marketing.channel(BRAND).response
    assert curve == curve_from_knowledge(20_000.0, 5.0, 60_000.0, 1.0)
    assert len(at.get("plotly_chart")) == 1


def test_an_impossible_curve_is_refused_and_the_channel_keeps_its_cpc() -> None:
    at = on_page()
    amount(at, "_spend").set_value("20,000")
    amount(at, "_halved").set_value("21,000")

    at = submit(at, f"knowledge_{BRAND}", "Set this curve")

    assert plan_of(at) == sample_plan()
    assert (
        "Channel 'Google Search – Brand': Half-return spend: 21,000 is not "
        "allowed; with shape 1 it must be more than 28,284"
    ) in at.error[0].value


def test_a_curve_fitted_to_the_example_file_can_be_used_for_the_channel() -> None:
    at = on_history_fit(on_page())
    csv = example_history_csv(project_plan(sample_plan())).encode()

    at.file_uploader(key="history_upload").upload("history.csv", csv)
    at.run()
    at.button(key="use_fit").click().run()

    curve = plan_of(at).marketing.channel(BRAND).response
    assert curve is not None
    assert curve.s == 1.0
    assert any(m.label == "R²" for m in at.metric)
    assert not at.error


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"month,channel,spend\n2026-01,Search,1\n", "File: the column revenue is missing"),
        (
            "month,channel,spend,revenue\n"
            + "".join(f"2026-0{m},{BRAND},{1000 * m},{3000 * m}\n" for m in range(1, 5)),
            "keeps its constant returns. Refused, because it has 4 months of data",
        ),
    ],
)
def test_a_file_that_cannot_give_a_curve_is_refused_with_its_reason(
    content: bytes | str, message: str
) -> None:
    at = on_history_fit(on_page())
    data = content.encode() if isinstance(content, str) else content

    at.file_uploader(key="history_upload").upload("history.csv", data)
    at.run()

    assert message in at.error[0].value
    assert plan_of(at) == sample_plan()
    assert not [b for b in at.button if b.key == "use_fit"]


def test_a_curve_can_be_removed() -> None:
    at = on_page(with_plan_curves(sample_plan()))

    at.button(key="remove_curve").click().run()

    assert plan_of(at).marketing.channel(BRAND).response is None


@pytest.mark.parametrize("mode", list(AllocationMode))
def test_the_allocator_runs_on_the_sample_plan_and_its_recommendation_applies(mode) -> None:
    plan = with_plan_curves(sample_plan())
    expected = allocate(plan, mode)
    at = on_page(plan, "Allocator")
    at.radio(key="allocator_mode").set_value(mode).run()

    at.button(key="run").click().run()

    assert at.success[0].value == expected.summary
    assert not at.exception
    at.button(key="apply_allocation").click().run()
    assert plan_of(at) == expected.recommended_plan
    assert not at.success  # the result belonged to the plan before the change


def test_a_limit_that_cannot_work_is_refused_with_its_reason() -> None:
    at = on_page(with_plan_curves(sample_plan()), "Allocator")
    limits_key = next(key for key in at.session_state if str(key).startswith("allocator_limits"))
    at.session_state[limits_key] = {
        "edited_rows": {0: {"Min / year": "5,000", "Max / year": "1k"}},
        "added_rows": [],
        "deleted_rows": [],
    }

    at.button(key="run").click().run()

    assert (
        "Channel 'Google Search – Brand': its yearly minimum (5,000) is above its yearly maximum "
        "(1,000)."
    ) in at.error[0].value
    assert not at.success


def test_a_limit_that_is_not_an_amount_is_refused_naming_channel_limit_and_text() -> None:
    at = on_page(with_plan_curves(sample_plan()), "Allocator")
    limits_key = next(key for key in at.session_state if str(key).startswith("allocator_limits"))
    at.session_state[limits_key] = {
        "edited_rows": {0: {"Max / year": "12 thousand"}, 1: {"Cap / month": "-500"}},
        "added_rows": [],
        "deleted_rows": [],
    }

    at.button(key="run").click().run()

    message = at.error[0].value
    assert message.startswith(
        "Not run: Channel 'Google Search – Brand', yearly maximum: '12 thousand' "
    )
    assert "Channel 'Google Search – Generic', monthly cap: -500 cannot be negative." in message
    assert not at.success


def test_limits_typed_as_amounts_bind_the_allocation() -> None:
    plan = with_plan_curves(sample_plan())
    at = on_page(plan, "Allocator")
    limits_key = next(key for key in at.session_state if str(key).startswith("allocator_limits"))
    at.session_state[limits_key] = {
        "edited_rows": {0: {"Max / year": "12k"}},
        "added_rows": [],
        "deleted_rows": [],
    }

    at.button(key="run").click().run()

    expected = allocate(
        plan,
        AllocationMode.FIXED_BUDGET,
        limits=AllocationLimits(yearly_max={"Google Search – Brand": 12_000.0}),
    )
    assert at.success[0].value == expected.summary


@pytest.mark.parametrize("tab", ["By month", "Response curves"])
def test_the_recommendation_shows_its_months_and_curves_on_their_tabs(tab: str) -> None:
    at = on_page(with_plan_curves(sample_plan()), "Allocator")
    at.button(key="run").click().run()
    tables_before = len(at.dataframe)

    at = open_view(at, "recommendation", tab)

    assert not at.exception
    if tab == "By month":
        assert len(at.dataframe) == tables_before + 2  # recommended spend and change on plan
    else:
        assert len(at.get("plotly_chart")) == 1
        assert at.selectbox(key="allocation_curve").value


def test_after_a_refusal_the_typed_values_stay_in_the_form() -> None:
    at = on_page()
    amount(at, "_spend").set_value("20,000")
    amount(at, "_halved").set_value("21,000")

    at = submit(at, f"knowledge_{BRAND}", "Set this curve")

    assert at.error
    assert amount(at, "_spend").value == "20,000"
    assert amount(at, "_halved").value == "21,000"


def test_the_form_opens_on_the_channels_own_curve_and_setting_it_unchanged_keeps_it() -> None:
    at = on_page()
    amount(at, "_spend").set_value("20,000")
    number(at, "_roas").set_value(5.0)
    amount(at, "_halved").set_value("60,000")
    number(at, "_shape").set_value(1.5)
    at = submit(at, f"knowledge_{BRAND}", "Set this curve")
    curve = plan_of(at).marketing.channel(BRAND).response

    at = submit(at, f"knowledge_{BRAND}", "Set this curve")  # as it opens, nothing typed

    assert number(at, "_shape").value == 1.5
    kept = plan_of(at).marketing.channel(BRAND).response
    assert kept.s == curve.s
    assert kept.k == pytest.approx(curve.k, rel=1e-3)
    assert kept.beta == pytest.approx(curve.beta, rel=1e-3)


def test_a_spend_that_is_not_an_amount_is_refused_and_kept_as_typed() -> None:
    at = on_page()
    amount(at, "_spend").set_value("lots")

    at = submit(at, f"knowledge_{BRAND}", "Set this curve")

    assert plan_of(at) == sample_plan()
    assert "'lots' is not a number" in at.error[0].value
    assert amount(at, "_spend").value == "lots"
