"""seed_demo shows a newcomer a team at work: working hours, goals, past digests, first contacts timed like life."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from alignment.models import Digest, DigestDelivery, QuarterlyGoal
from demo import data as demo_data
from handoffs.models import Handoff, Holiday, ServiceLevel
from leads.models import Activity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

ANCHOR = "2026-03-04T15:30:00+00:00"  # a Wednesday in 2026-W10: weeks W06 to W09 are complete


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_demo", "--leads", "300", "--weeks", "4", "--seed", "3", "--anchor", ANCHOR, stdout=out)
    return out.getvalue()


def test_the_team_works_monday_to_friday_nine_to_five_with_holidays(seeded):
    level = ServiceLevel.current()
    assert (level.working_days, level.day_starts_at, level.day_ends_at) == (
        "12345",
        datetime.time(9),
        datetime.time(17),
    )
    assert (level.hours_to_accept, level.hours_to_first_contact) == (8, 16)
    assert level.alerts_outside_working_hours is False
    assert Holiday.objects.filter(date=datetime.date(2026, 5, 1), name="Labour Day").exists()
    assert Holiday.objects.filter(date=datetime.date(2026, 12, 25)).exists()


def test_goals_are_set_for_each_quarter_up_to_the_next(seeded):
    level = ServiceLevel.current()
    goals = list(QuarterlyGoal.objects.order_by("year", "quarter").values_list("year", "quarter", "mqls"))
    assert goals == [(2026, 1, level.weekly_mql_target * 13), (2026, 2, level.weekly_mql_target * 13)]
    assert all(g.accepted and g.wins and g.revenue > 0 for g in QuarterlyGoal.objects.all())
    assert "2 quarters of goals" in seeded


def test_the_digest_archive_holds_every_past_week_as_sent_on_its_monday(seeded, client, users):
    weeks = ["2026-W06", "2026-W07", "2026-W08", "2026-W09"]
    assert sorted(set(Digest.objects.values_list("week", flat=True))) == weeks
    assert Digest.objects.count() == 3 * len(weeks)
    assert set(Digest.objects.values_list("state", flat=True)) == {Digest.State.SENT}
    w09 = Digest.objects.get(week="2026-W09", audience="managers")
    assert w09.sent_at == datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC)
    assert w09.html_body and "2026-W09" in w09.subject
    assert w09.deliveries.exists() and not DigestDelivery.objects.exclude(state="sent").exists()
    assert mail.outbox == [], "history is recorded, nothing is sent"
    client.force_login(users["marketing"])
    assert "2026-W09" in client.get(reverse("digest-list")).content.decode()
    assert "4 weeks of digests" in seeded


def test_first_contacts_fall_in_working_hours_and_spread_from_minutes_to_never(seeded):
    calendar = ServiceLevel.current().calendar()
    contacted = list(Handoff.objects.exclude(first_contact_at=None))
    assert contacted and all(calendar.is_working(h.first_contact_at) for h in contacted)
    minutes = [calendar.working_seconds_between(h.created_at, h.first_contact_at) / 60 for h in contacted]
    assert any(m <= 5 for m in minutes), "some reps call within five working minutes"
    assert any(5 < m <= 60 for m in minutes)
    assert any(m > 8 * 60 for m in minutes), "and some a day or more later"
    assert Handoff.objects.filter(
        outcome=Handoff.Outcome.ACCEPTED, first_contact_at=None, first_contact_deadline__lt=ANCHOR
    ).exists(), "and some never"
    assert all(calendar.is_working(a.occurred_at) for a in Activity.objects.filter(kind__in=Activity.CONTACT_KINDS))
    assert ServiceLevel.current().hours_to_accept == demo_data.HOURS_TO_ACCEPT
