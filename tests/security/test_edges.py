"""Hostile or far-off input at the edges answers 4xx, and an API failure answers JSON.

Weeks and quarters at the ends of the calendar (year 1, year 9999) once made the dashboard, its
CSV and the report API fail; deeply nested JSON made the authenticated API fail with a
RecursionError. Neither is the server's fault: the client hears 400 with a reason.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

# The calendar's ends, and the weeks just outside those holding a storable date (2000-01-01 to 2099-12-31).
FAR_OFF_WEEKS = ("0001-W01", "9999-W52", "1970-W02", "2999-W51", "1999-W51", "2100-W01")


@pytest.fixture
def manager(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["managers"])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("label", FAR_OFF_WEEKS)
def test_a_far_off_week_is_refused_by_the_csv_and_the_api_and_explained_on_the_dashboard(manager, label):
    page = manager.get(reverse("home"), {"week": label})
    assert page.status_code == 200
    assert "out of range" in page.content.decode()
    csv = manager.get(reverse("dashboard-campaigns-csv"), {"week": label})
    assert csv.status_code == 400
    assert "out of range" in csv.content.decode()
    api = manager.get("/api/v1/reports/weekly/", {"week": label})
    assert api.status_code == 400
    assert "out of range" in api.json()["week"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("label", ("0001-Q1", "9999-Q4", "1999-Q4", "2100-Q1"))
def test_a_far_off_quarter_shows_the_current_one(manager, label):
    from crm.weeks import Quarter, Week

    page = manager.get(reverse("team-settings"), {"quarter": label})
    assert page.status_code == 200
    assert page.context["quarter"] == Quarter.of_week(Week.current())


@pytest.mark.django_db
@pytest.mark.parametrize("label", ("2000-Q1", "2099-Q4"))
def test_the_quarters_at_the_ends_of_the_range_open(manager, label):
    assert manager.get(reverse("team-settings"), {"quarter": label}).context["quarter"].label == label


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("label", "first_day", "last_day"),
    # The first week holds 2000-01-01 (a Saturday), the last 2099-12-31 (a Thursday).
    (("1999-W52", "2000-01-01", "2000-01-02"), ("2099-W53", "2099-12-28", "2099-12-31")),
)
def test_the_weeks_at_the_ends_of_the_stored_dates_report_on_every_path(manager, label, first_day, last_day):
    from crm.validators import EARLIEST_DATE, LATEST_DATE
    from crm.weeks import Week

    week = Week.parse(label)
    assert week.first_day <= EARLIEST_DATE <= week.last_day or week.first_day <= LATEST_DATE <= week.last_day
    assert f"{max(week.first_day, EARLIEST_DATE)}" == first_day and f"{min(week.last_day, LATEST_DATE)}" == last_day
    page = manager.get(reverse("home"), {"week": label})
    assert page.status_code == 200 and page.context["m"].week == week
    assert "out of range" not in page.content.decode()
    assert 'min="1999-W52"' in page.content.decode()  # the week picker offers no week before the first
    assert manager.get(reverse("dashboard-campaigns-csv"), {"week": label}).status_code == 200
    api = manager.get("/api/v1/reports/weekly/", {"week": label})
    assert api.status_code == 200 and api.json()["week"] == label


def test_reports_cover_exactly_the_weeks_of_the_dates_tandem_stores():
    from crm.validators import EARLIEST_DATE, LATEST_DATE
    from crm.weeks import FIRST_WEEK, LAST_WEEK, InvalidWeek, Week

    assert (FIRST_WEEK.label, LAST_WEEK.label) == ("1999-W52", "2099-W53")
    assert FIRST_WEEK.previous().last_day < EARLIEST_DATE <= FIRST_WEEK.last_day
    assert LAST_WEEK.first_day <= LATEST_DATE < LAST_WEEK.next().first_day
    for outside in (FIRST_WEEK.previous(), LAST_WEEK.next()):
        with pytest.raises(InvalidWeek, match="out of range"):
            Week.parse(outside.label)


@pytest.mark.django_db
def test_an_unhandled_api_error_answers_json_and_a_page_error_html(manager, monkeypatch):
    import alignment.api
    import alignment.views

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(alignment.api, "weekly_metrics", fail)
    monkeypatch.setattr(alignment.views, "weekly_metrics", fail)
    api = manager.get("/api/v1/reports/weekly/", {"week": "2026-W10"})
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"
    assert api.json()["code"] == "server_error"
    assert "boom" not in api.content.decode()
    page = manager.get(reverse("home"), {"week": "2026-W10"})
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.django_db
@pytest.mark.parametrize("depth", (33, 2_000, 200_000))
@pytest.mark.parametrize("method", ("post", "patch"))
def test_deeply_nested_json_on_the_api_answers_400(manager, users, method, depth):
    from leads.models import Lead

    lead = Lead.objects.create(email="nested@example.com")
    url = "/api/v1/leads/" if method == "post" else f"/api/v1/leads/{lead.pk}/"
    body = '{"email": "n@example.com", "first_name": ' + _nested(depth) + "}"
    response = getattr(manager, method)(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than" in response.json()["detail"]
    assert not Lead.objects.filter(email="n@example.com").exists()


@pytest.mark.django_db
def test_json_within_the_nesting_limit_is_read(manager):
    from crm.parsers import MAX_DEPTH, json_depth

    assert json_depth(json.loads(_nested(MAX_DEPTH))) == MAX_DEPTH
    response = manager.post(
        "/api/v1/leads/",
        json.dumps({"email": "flat@example.com", "first_name": "Ada"}),
        content_type="application/json",
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_deeply_nested_json_on_the_capture_endpoint_answers_400(client):
    from leads.tests.factories import CaptureFormFactory

    form = CaptureFormFactory()
    body = '{"email": ' + _nested(2_000) + "}"
    response = client.post(f"/api/v1/capture/{form.key}/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than" in response.json()["detail"]
