"""In Chromium: the manager's dashboard draws every chart without a JavaScript error, and the week picker works."""

import pytest

from alignment.tests.builders import build_week_2026_w10

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHARTS = [
    "chart-sources",
    "chart-funnel",
    "chart-rates",
    "chart-rejections",
    "chart-capacity",
    "chart-attribution",
    "chart-speed",
]


@pytest.fixture
def week(users, settings):
    settings.TIME_ZONE = "UTC"
    return build_week_2026_w10(users)


def test_the_managers_dashboard_draws_every_chart_and_the_week_picker_changes_the_figures(page, sign_in, users, week):
    sign_in(page, users["managers"].username)
    page.goto("/?week=2026-W10")
    page.wait_for_selector("body[data-dashboard-ready=true]")
    for chart in CHARTS:
        assert page.get_attribute(f"#{chart}", "data-rendered") == "true", chart
        box = page.locator(f"#{chart}").bounding_box()
        assert box["width"] > 100 and box["height"] > 100, chart
    assert page.get_by_test_id("value-new_leads").inner_text() == "5"
    assert "MQLs 4 of 5" in page.get_by_test_id("health-summary").inner_text()

    page.get_by_test_id("attribution-switch").get_by_text("Linear").click()
    assert page.get_attribute("#chart-attribution", "data-model") == "linear"

    rows = page.locator("#campaign-table tbody tr td:first-child")
    page.get_by_role("button", name="Campaign").click()  # descending by name first
    assert rows.first.inner_text().startswith("Webinar X")
    page.get_by_role("button", name="Campaign").click()
    assert rows.first.inner_text().startswith("Spring search")

    with page.expect_navigation():
        page.fill("#week-input", "2026-W09")  # the picker submits on change
    page.wait_for_selector("body[data-dashboard-ready=true]")
    assert page.get_by_test_id("week-label").inner_text() == "2026-W09"
    assert page.get_by_test_id("value-new_leads").inner_text() == "1"
    assert page.get_by_test_id("value-acceptance").inner_text() == "100%"
    assert page.js_errors == []


def test_the_speed_to_lead_chart_and_table_draw_in_working_minutes(page, sign_in, users, settings, make_user, tmp_path):
    from alignment.tests.speed_builders import build_speed_week

    settings.TIME_ZONE = "UTC"
    build_speed_week(make_user)
    sign_in(page, users["managers"].username)
    page.goto("/?week=2026-W10")
    page.wait_for_selector("body[data-dashboard-ready=true]")
    assert page.get_attribute("#chart-speed", "data-rendered") == "true"
    card = page.get_by_test_id("speed-to-lead")
    first_row = card.locator("#speed-table tbody tr").first.inner_text().split("\t")
    assert first_row == ["All", "6", "35 min", "9 h", "50%", "33%"]
    card.screenshot(path=tmp_path / "speed-to-lead.png")  # kept under pytest's basetemp, to look at
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
    assert page.js_errors == []


def test_the_revenue_chart_shows_money_in_the_teams_currency(page, sign_in, users, week, settings, tmp_path):
    settings.CURRENCY = "CHF"
    sign_in(page, users["managers"].username)
    page.goto("/?week=2026-W10")
    page.wait_for_selector("body[data-dashboard-ready=true]")
    # Hover the first bar as a person would, then read the tooltip Chart.js drew on the canvas.
    point = page.evaluate(
        "() => { const chart = Chart.getChart('chart-attribution'), values = chart.data.datasets[0].data;"
        " const bar = chart.getDatasetMeta(0).data[values.indexOf(Math.max(...values))].getCenterPoint();"
        " return {x: bar.x, y: bar.y}; }"
    )
    page.locator("#chart-attribution").scroll_into_view_if_needed()
    box = page.locator("#chart-attribution").bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_function("() => Chart.getChart('chart-attribution').tooltip.opacity > 0")
    tooltip = page.evaluate("() => Chart.getChart('chart-attribution').tooltip.body[0].lines[0]")
    axis = page.evaluate("() => Chart.getChart('chart-attribution').scales.x.ticks.map((tick) => tick.label)")
    expected = page.evaluate("() => new Intl.NumberFormat('en-US', {style: 'currency', currency: 'CHF'}).format(1000)")
    assert tooltip == f"First touch: {expected}"
    assert "CHF" in tooltip and "1,000.00" in tooltip
    assert axis and all(label.startswith("CHF") for label in axis)
    page.locator("#chart-attribution").screenshot(path=tmp_path / "revenue-tooltip.png")
    assert page.js_errors == []
