"""The dashboard page, its CSV export, and the team settings page."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
import time_machine

from alignment.metrics import weekly_metrics
from alignment.models import QuarterlyGoal
from alignment.templatetags.tandem_metrics import pct
from campaigns.tests.factories import SpendFactory
from handoffs.models import ServiceLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_week_data(week_data):
    with time_machine.travel(week_data["now"], tick=False):
        yield week_data


def test_the_dashboard_shows_the_weeks_figures_in_cards_summary_and_charts(client, users, at_week_data):
    client.force_login(users["sales"])
    response = client.get("/", {"week": "2026-W10"})
    assert response.status_code == 200
    html = response.content.decode()
    cards = {card.key: card for card in response.context["cards"]}
    assert cards["new_leads"].value == "5"
    assert (cards["new_leads"].delta, cards["new_leads"].trend) == ("+4", "good")  # 1 lead in W09
    assert (cards["wins"].delta, cards["wins"].trend) == ("+1", "good")
    assert (cards["mqls"].value, cards["mqls"].detail) == ("4", "of 5 target")
    assert cards["acceptance"].value == "67%"
    assert cards["acceptance"].delta == "-33 pts"  # 100% in W09
    assert cards["service_level"].value == "50%"
    assert (cards["wins"].value, cards["wins"].detail) == ("1", "revenue €1,000.00")
    assert (cards["cost_per_lead"].value, cards["cost_per_lead"].detail) == ("€60.00", "spend €300.00")
    assert "service level met 50% · acceptance 67% · MQLs 4 of 5" in html
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert charts["weeks"][-1] == "2026-W10" and len(charts["weeks"]) == 9
    assert charts["funnel"]["data"][:5] == [5, 4, 2, 2, 1]
    assert charts["rejections"] == {"labels": ["Not an ICP fit"], "data": [1]}
    assert charts["capacity"]["open"] == [1, 0] and charts["capacity"]["capacity"] == [3, 25]
    assert charts["attribution"]["models"]["linear"]["data"] == [333.33, 333.33, 333.33]
    assert {series["label"]: series["data"][-1] for series in charts["leadsBySource"]} == {
        "Paid search": 2,
        "Referral": 1,
        "Webinar": 2,
    }


def test_the_arrow_follows_the_change_and_the_colour_whether_it_is_good(client, users, at_week_data):
    # W09: one lead for 150.00 of spend, so W10's cost per lead (300.00 / 5 = 60.00) fell by 90.00.
    search = at_week_data["campaigns"]["search"]
    SpendFactory(campaign=search, date=datetime.date(2026, 2, 25), amount=Decimal("150.00"))
    client.force_login(users["managers"])
    response = client.get("/", {"week": "2026-W10"})
    cards = {card.key: card for card in response.context["cards"]}
    assert (cards["cost_per_lead"].delta, cards["cost_per_lead"].trend) == ("−€90.00", "good")
    assert cards["cost_per_lead"].direction == "down"
    assert (cards["acceptance"].direction, cards["acceptance"].trend) == ("down", "bad")
    assert (cards["new_leads"].direction, cards["new_leads"].trend) == ("up", "good")
    html = response.content.decode()
    cost = html.split('data-testid="card-cost_per_lead"')[1].split('data-testid="card-', 1)[0]
    assert "metric-delta text-success" in cost and 'data-testid="delta-down"' in cost
    assert 'data-testid="delta-up"' not in cost


def test_the_dashboard_defaults_to_the_last_complete_week(client, users, at_week_data):
    client.force_login(users["marketing"])
    response = client.get("/")
    assert response.context["m"].week.label == "2026-W10"
    assert response.context["m"].complete


def test_a_malformed_week_on_the_dashboard_says_so_and_shows_the_default(client, users, at_week_data):
    client.force_login(users["marketing"])
    response = client.get("/", {"week": "2026-W99"})
    assert response.status_code == 200
    assert "2026 has no ISO week 99" in response.content.decode()
    assert response.context["m"].week.label == "2026-W10"


def test_the_campaign_table_is_sortable_and_exports_csv(client, users, at_week_data):
    client.force_login(users["managers"])
    html = client.get("/", {"week": "2026-W10"}).content.decode()
    assert 'data-sort="number"' in html and "Spring search" in html
    response = client.get("/dashboard/campaigns.csv", {"week": "2026-W10"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["campaign", "slug", "spend (EUR)"]
    assert rows[1] == [
        "Spring search",
        "spring-search",
        "300.00",
        "2",
        "2",
        "1",
        "1000.00",
        "150.00",
        "300.00",
        "2.3333",
    ]
    assert rows[2][-1] == ""  # zero spend: no ROI


def test_goals_progress_and_capacity_inflow_show_on_the_dashboard(client, users, at_week_data):
    QuarterlyGoal.objects.create(year=2026, quarter=1, mqls=10, accepted=4, wins=2, revenue=Decimal("4000"))
    client.force_login(users["marketing"])
    html = client.get("/", {"week": "2026-W10"}).content.decode()
    assert "Goals 2026-Q1, quarter to date" in html
    assert "5 of 10 · 50%" in html
    assert "4 MQLs this week · 27 free seats" in html
    assert 'data-testid="flooded"' not in html


def test_an_mql_flood_beyond_free_seats_is_flagged(client, users, at_week_data):
    level = ServiceLevel.current()
    level.default_rep_capacity = 1
    level.save()
    users["sales"].sales_rep.delete()
    client.force_login(users["managers"])
    html = client.get("/", {"week": "2026-W10"}).content.decode()
    # sid carries 1 open lead of 1, sue 0 of 1: one free seat for four MQLs.
    assert "4 MQLs this week · 1 free seat" in html
    assert 'data-testid="flooded"' in html


# --- Roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/digests/", "/dashboard/campaigns.csv", "/team/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "dashboard", "digests", "team"),
    [
        ("marketing", 200, 200, 403),
        ("sales", 200, 200, 403),
        ("managers", 200, 200, 200),
        ("norole", 403, 403, 403),
    ],
)
def test_role_matrix_of_the_pages(client, users, role, dashboard, digests, team):
    client.force_login(users[role])
    assert client.get("/").status_code == dashboard
    assert client.get("/digests/").status_code == digests
    assert client.get("/team/").status_code == team
    assert client.post("/team/", {"form": "service_level"}).status_code == (403 if team == 403 else 200)


def test_a_user_without_a_role_is_told_to_ask_a_manager(client, users):
    client.force_login(users["norole"])
    response = client.get("/")
    assert response.status_code == 403
    assert "Ask a manager" in response.content.decode()


def test_navigation_shows_team_settings_to_managers_only(client, users):
    client.force_login(users["sales"])
    html = client.get("/").content.decode()
    assert 'href="/digests/"' in html and 'href="/team/"' not in html
    client.force_login(users["managers"])
    assert 'href="/team/"' in client.get("/").content.decode()


# --- Team settings ----------------------------------------------------------------------------


def test_a_manager_changes_the_service_level(client, users):
    client.force_login(users["managers"])
    response = client.post(
        "/team/",
        {
            "form": "service_level",
            "sl-hours_to_accept": "8",
            "sl-hours_to_first_contact": "24",
            "sl-weekly_mql_target": "80",
            "sl-default_rep_capacity": "30",
            "sl-working_days": ["1", "2", "3", "4", "5"],
            "sl-day_starts_at": "09:00",
            "sl-day_ends_at": "17:00",
        },
    )
    assert response.status_code == 302
    level = ServiceLevel.objects.get()
    assert (level.hours_to_accept, level.hours_to_first_contact, level.weekly_mql_target) == (8, 24, 80)
    assert level.default_rep_capacity == 30 and level.updated_by == users["managers"]


def test_a_service_level_with_errors_shows_them_and_saves_nothing(client, users):
    client.force_login(users["managers"])
    response = client.post(
        "/team/",
        {
            "form": "service_level",
            "sl-hours_to_accept": "0",
            "sl-hours_to_first_contact": "",
            "sl-weekly_mql_target": "-3",
            "sl-default_rep_capacity": "30",
            "sl-working_days": ["1", "2", "3", "4", "5"],
            "sl-day_starts_at": "09:00",
            "sl-day_ends_at": "17:00",
        },
    )
    assert response.status_code == 200
    errors = response.context["level_form"].errors
    assert set(errors) == {"hours_to_accept", "hours_to_first_contact", "weekly_mql_target"}
    assert "at least an hour" in response.content.decode()
    assert ServiceLevel.current().hours_to_accept == 24


def test_a_manager_sets_the_goals_of_a_quarter(client, users):
    client.force_login(users["managers"])
    data = {"form": "goal", "goal-mqls": "600", "goal-accepted": "300", "goal-wins": "40", "goal-revenue": "250000.00"}
    response = client.post("/team/?quarter=2026-Q3", data)
    assert response.status_code == 302
    goal = QuarterlyGoal.objects.get(year=2026, quarter=3)
    assert (goal.mqls, goal.accepted, goal.wins, goal.revenue) == (600, 300, 40, Decimal("250000.00"))
    data["goal-revenue"] = "-1"
    response = client.post("/team/?quarter=2026-Q3", data)
    assert response.status_code == 200 and "revenue" in response.context["goal_form"].errors
    assert QuarterlyGoal.objects.get(year=2026, quarter=3).revenue == Decimal("250000.00")


def test_the_dashboard_and_the_api_agree(client, users, at_week_data):
    client.force_login(users["managers"])
    page = client.get("/", {"week": "2026-W10"})
    api = client.get("/api/v1/reports/weekly/", {"week": "2026-W10"}).json()
    assert page.context["m"].as_json() == api == weekly_metrics(at_week_data["week"]).as_json()


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "—"), (0.5, "50%"), (Decimal("0.714"), "71%"), (Decimal("-1"), "-100%"), (Decimal("209.15"), "20,915%")],
)
def test_rates_and_roi_read_as_whole_percentages(value, shown):
    assert pct(value) == shown


def service_level_post(**fields):
    """Return the team settings POST of a service level, ``fields`` overriding the defaults."""
    values = {
        "hours_to_accept": "8",
        "hours_to_first_contact": "16",
        "weekly_mql_target": "50",
        "default_rep_capacity": "25",
        "working_days": ["1", "2", "3", "4", "5"],
        "day_starts_at": "09:00",
        "day_ends_at": "17:00",
    } | fields
    return {"form": "service_level"} | {f"sl-{name}": value for name, value in values.items()}


def test_a_manager_sets_working_hours_and_holidays(client, users):
    from handoffs.models import Holiday

    Holiday.objects.create(date=datetime.date(2026, 1, 1), name="New Year")
    client.force_login(users["managers"])
    response = client.post(
        "/team/",
        service_level_post(
            time_zone="Europe/Berlin",
            working_days=["7", "1", "2", "3", "4"],
            day_starts_at="08:00",
            day_ends_at="16:30",
            holidays="2026-12-25 Christmas Day\n\n2026-12-24   Christmas Eve\n",
        ),
    )
    assert response.status_code == 302
    level = ServiceLevel.objects.get()
    assert (level.time_zone, level.working_days) == ("Europe/Berlin", "12347")
    assert (level.day_starts_at, level.day_ends_at) == (datetime.time(8), datetime.time(16, 30))
    assert list(Holiday.objects.values_list("date", "name")) == [
        (datetime.date(2026, 12, 24), "Christmas Eve"),
        (datetime.date(2026, 12, 25), "Christmas Day"),
    ]
    page = client.get("/team/").content.decode()
    assert "2026-12-24 Christmas Eve" in page


def test_working_hours_that_make_no_day_are_refused(client, users):
    client.force_login(users["managers"])
    response = client.post(
        "/team/",
        service_level_post(
            time_zone="Mars/Olympus", working_days=[], day_starts_at="17:00", day_ends_at="09:00", holidays="Christmas"
        ),
    )
    assert response.status_code == 200
    assert set(response.context["level_form"].errors) == {"time_zone", "working_days", "day_ends_at", "holidays"}
    assert ServiceLevel.current().working_days == "12345"


@pytest.mark.parametrize(("currency", "language", "locale"), [("CHF", "en-us", "en-US"), ("EUR", "de", "de")])
def test_the_charts_get_the_teams_currency_and_the_pages_locale_for_their_money(
    client, users, settings, currency, language, locale
):
    settings.CURRENCY = currency
    settings.LANGUAGE_CODE = language
    client.force_login(users["managers"])
    html = client.get("/").content.decode()
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert charts["money"] == {"currency": currency, "locale": locale}
