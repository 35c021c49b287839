"""The app's charts: a colour per channel that every chart keeps, legends as the stack reads."""

from __future__ import annotations

from budgets.samples import large_plan, sample_plan
from models import project_plan
from ui import charts


def test_every_channel_of_the_sample_has_its_own_colour_by_its_place_in_the_plan() -> None:
    projection = project_plan(sample_plan())

    colours, _, rest = charts.channel_colours(projection)

    assert len(colours) == len(projection.channels.names) == 12
    assert len(set(colours.values())) == 12
    assert not rest
    # By place in the plan, not by spend: the first channel is always the first colour.
    assert colours[projection.channels.names[0]] == charts.CHANNEL_COLOURS[0]


def test_beyond_twenty_channels_the_smallest_are_other_in_their_own_colour() -> None:
    projection = project_plan(large_plan(50))
    figure = charts.spend_by_channel(projection)

    names = [trace.name for trace in figure.data]
    colours = [trace.marker.color for trace in figure.data]

    assert len(names) == 20
    assert names[-1] == "Other 31 channels"
    assert colours[-1] == charts.OTHER_COLOUR
    assert len(set(colours)) == 20  # no two series alike, "Other" included
    spend = [float(trace.y[0] or 0) + sum(v or 0 for v in trace.y[1:]) for trace in figure.data]
    assert spend[:-1] == sorted(spend[:-1], reverse=True)  # the largest at the bottom


def test_the_legend_reads_top_to_bottom_as_the_stack_does() -> None:
    figure = charts.spend_by_channel(project_plan(sample_plan()))

    assert figure.layout.barmode == "stack"
    assert figure.layout.legend.traceorder == "reversed"


def test_a_curves_caption_names_only_the_lines_its_chart_draws() -> None:
    import math

    from models.curve_plans import curve_chart, with_plan_curves
    from ui.allocator_view import curve_note

    projection = project_plan(with_plan_curves(sample_plan()))
    notes = {}
    for name, curve in zip(
        projection.channels.names, projection.plan.marketing.channels, strict=True
    ):
        if curve.response is None:
            continue
        chart = curve_chart(projection, name, None)
        note = curve_note(projection, name)
        notes[name] = note
        assert ("dotted line" in note) == math.isfinite(chart.break_even_spend), name
    assert notes


def test_each_chart_says_in_words_what_it_shows() -> None:
    projection = project_plan(sample_plan())

    said = {
        build.__name__: build(projection).layout.meta["summary"]
        for build in (
            charts.spend_by_channel,
            charts.roas_by_channel,
            charts.net_sales_and_ebitda_margin,
            charts.margin_against_budget,
            charts.needed_against_plan,
        )
    }

    assert "peaks in Nov 2027" in said["spend_by_channel"]
    assert "of 9 traffic channels at or above the target ROAS" in said["roas_by_channel"]
    assert "5 of 12 months reach it" in said["net_sales_and_ebitda_margin"]
    assert "the 9.0 % target holds up to EUR 1.02 M" in said["margin_against_budget"]
    assert said["needed_against_plan"] == (
        "Each alone, on plan: Net sales +5.4 %; Conversion rate +5.4 %; AOV +3.8 %."
    )
