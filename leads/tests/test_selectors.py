"""Keyset pages of the lead list, the count estimate, and the CSV helper."""

import datetime

import pytest
from django.utils import timezone

from leads.models import Lead
from leads.selectors import lead_count_estimate, leads_page, tasks_due
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def walk(queryset, sort, size):
    """Page forward to the end, then back to the start; return both walks as id lists."""
    forward, page = [], leads_page(queryset, sort=sort, page_size=size)
    pages = [page]
    forward += [lead.pk for lead in page.leads]
    while page.has_next:
        page = leads_page(queryset, sort=sort, after=page.next_cursor, page_size=size)
        pages.append(page)
        forward += [lead.pk for lead in page.leads]
    backward = []
    while page.has_previous:
        page = leads_page(queryset, sort=sort, before=page.previous_cursor, page_size=size)
        backward = [lead.pk for lead in page.leads] + backward
    return forward, backward, pages


@pytest.mark.parametrize("sort", ["-created", "created", "-score", "score", "-moved", "moved", "company", "-company"])
def test_keyset_pages_visit_every_lead_once_in_order_with_ties(sort):
    base = timezone.now()
    # Many equal keys (score, company, timestamps): the id breaks ties, so nothing is skipped or repeated.
    for i in range(11):
        at = base - datetime.timedelta(hours=i // 3)
        LeadFactory(score=i % 3 * 10, company=["Acme", "", "Zeta"][i % 3], created_at=at, status_changed_at=at)
    field = {"created": "created_at", "score": "score", "moved": "status_changed_at", "company": "company"}[
        sort.lstrip("-")
    ]
    sign = "-" if sort.startswith("-") else ""
    expected = list(Lead.objects.order_by(f"{sign}{field}", f"{sign}id").values_list("pk", flat=True))
    forward, backward, pages = walk(Lead.objects.all(), sort, 4)
    assert forward == expected
    assert [lead.pk for lead in pages[0].leads] == expected[:4]
    # Walking back from the last page ends on the first page, without it.
    assert backward == expected[: len(expected) - len(pages[-1].leads)]
    assert [len(p.leads) for p in pages] == [4, 4, 3]
    assert not pages[0].has_previous and not pages[-1].has_next


def test_an_unreadable_cursor_gives_the_first_page():
    leads = [LeadFactory() for _ in range(3)]
    page = leads_page(Lead.objects.all(), after="not-a-cursor!!", page_size=2)
    assert [lead.pk for lead in page.leads] == [leads[2].pk, leads[1].pk]
    assert not page.has_previous


def test_an_unknown_sort_falls_back_to_newest_first():
    old = LeadFactory(created_at=timezone.now() - datetime.timedelta(days=1))
    new = LeadFactory()
    assert [lead.pk for lead in leads_page(Lead.objects.all(), sort="-email; drop").leads] == [new.pk, old.pk]


def test_the_estimate_is_postgres_only(django_db_blocker):
    from django.db import connection

    estimate = lead_count_estimate()
    if connection.vendor == "postgresql":
        assert estimate is None or estimate >= 0
    else:
        assert estimate is None


@pytest.mark.postgres
def test_the_estimate_reads_pg_class_after_analyze():
    from django.db import connection

    LeadFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
    assert lead_count_estimate() == 7


def test_tasks_due_are_today_or_overdue_and_open_and_the_users(users):
    from leads.models import Activity

    now = timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0))  # in TIME_ZONE
    lead = LeadFactory()
    make = lambda **kw: Activity.objects.create(lead=lead, kind="task", subject="t", **kw)  # noqa: E731
    overdue = make(assignee=users["sales"], due_at=now - datetime.timedelta(days=2))
    later_today = make(assignee=users["sales"], due_at=now + datetime.timedelta(hours=13, minutes=59))
    make(assignee=users["sales"], due_at=now + datetime.timedelta(hours=14))  # tomorrow, 00:00
    make(assignee=users["sales"], due_at=now - datetime.timedelta(days=1), done_at=now)
    make(assignee=users["sales2"], due_at=now - datetime.timedelta(days=1))
    assert [task.pk for task in tasks_due(users["sales"], now=now)] == [overdue.pk, later_today.pk]
