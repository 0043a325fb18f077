"""The batch capture of an import: the same leads, touches, history and hand-offs as one
lead_capture per row, in a number of queries that does not grow with the batch."""

import datetime
import threading
import time

import pytest
import time_machine
from django.apps import apps
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory, VariantFactory
from leads import importing, scoring
from leads.bulk_capture import leads_capture_batch, rows_prepare
from leads.bulk_rows import Catalogue
from leads.models import IdealCustomerProfile, Lead, LeadAlias, StatusChange, Touchpoint
from leads.services import lead_capture
from leads.tests.factories import LeadFactory, ScoringRuleFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


def build_world():
    """Campaigns with a variant, scoring rules, a threshold, and leads the file will name."""
    profile = IdealCustomerProfile.current()
    profile.mql_threshold = 30
    profile.industries = ["software"]
    profile.countries = ["DE"]
    profile.save()
    ScoringRuleFactory(field="industry", operator="equals", value="software", points=20)
    ScoringRuleFactory(field="title", operator="contains", value="head", points=15)
    ScoringRuleFactory(field="country", operator="in", value="DE,AT", points=10)
    ScoringRuleFactory(field="source", operator="equals", value="paid_search", points=5)
    ScoringRuleFactory(field="phone", operator="present", value="", points=5)
    spring = CampaignFactory(utm_campaign="Spring-2026")
    VariantFactory(campaign=spring, utm_content="Ad-A")
    CampaignFactory(utm_campaign="fair")
    default = CampaignFactory(utm_campaign="import-default")
    LeadFactory(email="known@example.com", company="", title="", industry="software")
    survivor = LeadFactory(email="survivor@example.com", industry="", country="")
    LeadAlias.objects.create(email="old@example.com", lead=survivor)
    LeadFactory(email="back@example.com", status=Lead.Status.RECYCLED, industry="software", title="")
    LeadFactory(email="mql@example.com", status=Lead.Status.MQL)
    return default


# Rows as the CSV parser hands them over: (line, non-blank values).
ROWS = [
    (
        2,
        {
            "email": "new@example.com",
            "first_name": "Ada",
            "industry": "software",
            "title": "Head of IT",
            "country": "de",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "spring-2026",
            "utm_content": "ad-a",
            "page_url": "https://example.com/a",
        },
    ),
    (3, {"email": "KNOWN@Example.com", "company": "Engines", "title": "Head of Ops", "utm_campaign": "FAIR"}),
    (4, {"email": "Old@Example.com", "country": "DE", "utm_source": "linkedin"}),
    (5, {"email": "twice@example.com", "industry": "retail", "utm_source": "newsletter"}),
    (6, {"email": "not-an-email", "first_name": "Bad"}),
    (7, {"email": "twice@example.com", "industry": "software", "title": "Head", "utm_campaign": "fair"}),
    (8, {"email": "TWICE@example.com", "country": "DE", "phone": "+49 1", "utm_campaign": "Spring-2026"}),
    (9, {"email": "back@example.com", "title": "Head of Sales"}),
    (10, {"email": "mql@example.com", "title": "Head"}),
    (11, {"email": "cy@example.com", "country": "Germany"}),
    (12, {"first_name": "No", "last_name": "Email"}),
    (13, {"email": "big@example.com", "company_size": "99999999999"}),
    (14, {"email": "lots@example.com", "company_size": "lots"}),
    (15, {"email": "new2@example.com", "company_size": "1200"}),
    (16, {"email": "new3@example.com", "utm_campaign": "nope", "utm_content": "ad-a"}),
]


def snapshot():
    """Return every lead, touchpoint, status change and hand-off as plain values, ids left out."""
    Handoff = apps.get_model("handoffs", "Handoff")
    skip = {"id"}
    leads = {
        lead.email: {f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields if f.attname not in skip}
        for lead in Lead.objects.all()
    }
    emails = dict(Lead.objects.values_list("pk", "email"))

    def rows(model, exclude=("id",)):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
        return [
            {name: emails[value] if name == "lead_id" else value for name, value in zip(names, row, strict=True)}
            for row in model.objects.order_by("id").values_list(*names)
        ]

    return {
        "leads": leads,
        "touchpoints": rows(Touchpoint),
        "status_changes": rows(StatusChange),
        "handoffs": rows(Handoff),
    }


class _Undo(Exception):
    pass


def outcome_of(capture, django_capture_on_commit_callbacks):
    """Run the capture, let its after-commit work (hand-offs) run, snapshot, and undo it all."""
    try:
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):
                result = capture()
            state = snapshot()
            raise _Undo
    except _Undo:
        pass
    return result, state


@time_machine.travel(NOW, tick=False)
@pytest.mark.usefixtures("users")
@pytest.mark.parametrize("ahead", [False, True], ids=["rows", "prepared-ahead"])
def test_a_batch_makes_what_one_lead_capture_per_row_makes(ahead, django_capture_on_commit_callbacks):
    default = build_world()
    config = scoring.ScoringConfig.load()
    now = timezone.now()

    def row_by_row():
        outcomes = [
            importing.import_row(line=line, values=values, campaign=default, config=config, occurred_at=now)
            for line, values in ROWS
        ]
        return outcomes

    def batch():
        # As the importer's reader thread prepares them (attributed and replayed as new leads), or not.
        rows = rows_prepare(ROWS, campaign=default, catalogue=Catalogue.load(), config=config) if ahead else ROWS
        return leads_capture_batch(rows=rows, campaign=default, config=config, occurred_at=now)

    outcomes, expected = outcome_of(row_by_row, django_capture_on_commit_callbacks)
    result, actual = outcome_of(batch, django_capture_on_commit_callbacks)

    assert result.errors == [outcome.error for outcome in outcomes if outcome.error]
    assert (result.created, result.touched) == (
        sum(outcome.created for outcome in outcomes),
        sum(outcome.updated for outcome in outcomes),
    )
    assert actual["leads"] == expected["leads"]
    assert actual["touchpoints"] == expected["touchpoints"]
    assert actual["status_changes"] == expected["status_changes"]
    assert actual["handoffs"] == expected["handoffs"]
    # And the file says what it should: the cases above are all there.
    assert [error["line"] for error in result.errors] == [6, 11, 12, 13, 14]
    assert (result.created, result.touched) == (4, 6)
    leads = actual["leads"]
    assert {email for email, lead in leads.items() if lead["status"] == Lead.Status.MQL} == {
        "new@example.com",
        "known@example.com",
        "twice@example.com",
        "back@example.com",
        "mql@example.com",
    }
    assert "old@example.com" not in leads and leads["survivor@example.com"]["country"] == "DE"
    assert [t["lead_id"] for t in actual["touchpoints"]].count("twice@example.com") == 3
    assert [c["from_status"] for c in actual["status_changes"]] == ["new", "new", "new", "recycled"]
    assert len(actual["handoffs"]) == 4 and all(h["assigned_to_id"] for h in actual["handoffs"])


def numbered_rows(count, *, start):
    """Rows like a real file's: mostly new e-mails, one in ten a known lead in other case, some MQLs."""
    rows = []
    for n in range(start, start + count):
        email = f"Known{n}@Example.com" if n % 10 == 0 else f"person{n}@example.com"
        values = {"email": email, "company": f"Firm {n}", "utm_source": "google", "utm_medium": "cpc"}
        if n % 3 == 0:
            values.update(utm_campaign="Spring-2026", utm_content="ad-a")
        if n % 4 == 0:
            values.update(industry="software", title="Head of IT", country="DE")
        rows.append((n, values))
    return rows


def test_a_batch_costs_the_same_queries_for_10_rows_as_for_500(django_assert_max_num_queries):
    build_world()
    for n in range(0, 1000, 10):
        LeadFactory(email=f"known{n}@example.com", company="", status=Lead.Status.RECYCLED)
    config = scoring.ScoringConfig.load()
    # Warm-up: the first batch of a process also reads which events webhook endpoints want (once).
    leads_capture_batch(rows=numbered_rows(1, start=5000), config=config)
    counts = []
    for count, start in [(10, 0), (500, 300)]:
        with CaptureQueriesContext(connection) as queries:
            result = leads_capture_batch(rows=numbered_rows(count, start=start), config=config)
        assert result.mql_lead_ids and result.touched and result.created  # every kind of write happened
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(16):
        leads_capture_batch(rows=numbered_rows(500, start=1000), config=config)


def test_the_same_email_twice_in_a_batch_is_one_lead_with_a_touch_per_row():
    result = leads_capture_batch(
        rows=[(2, {"email": "a@example.com"}), (3, {"email": "A@EXAMPLE.COM", "company": "Acme"})]
    )
    assert (result.created, result.touched) == (1, 1)
    lead = Lead.objects.get()
    assert (lead.email, lead.company) == ("a@example.com", "Acme")
    assert lead.touchpoints.count() == 2


def test_a_batch_of_only_bad_rows_writes_nothing():
    result = leads_capture_batch(rows=[(2, {"email": "nope"}), (3, {"first_name": "X"})])
    assert [error["line"] for error in result.errors] == [2, 3]
    assert not Lead.objects.exists() and not Touchpoint.objects.exists()


def test_text_with_tabs_newlines_and_backslashes_is_stored_as_given():
    # Names refuse control characters (crm.validators.validate_name_text); a touch's page URL keeps them.
    text = 'Tab\there, "quoted"\\back\r\nnew line \x1f unit'
    leads_capture_batch(
        rows=[(2, {"email": "t@example.com", "company": 'Co, "quoted"\\back', "last_name": "\\N", "page_url": text})]
    )
    lead = Lead.objects.get()
    assert (lead.company, lead.last_name) == ('Co, "quoted"\\back', "\\N")
    assert lead.touchpoints.get().page_url == text


@pytest.mark.postgres
def test_a_value_the_database_refuses_in_a_copy_is_a_data_error_like_any_other():
    from leads.bulk_sql import insert_rows

    with pytest.raises(DataError), transaction.atomic():
        insert_rows(Touchpoint, ("lead_id", "utm_source"), [(LeadFactory().pk, "x" * 300)])


def test_an_import_batch_the_database_refuses_is_imported_row_by_row(monkeypatch):
    def refused(**kwargs):
        raise DataError("value too long")

    monkeypatch.setattr(importing, "leads_capture_batch", refused)
    created, touched, errors = importing.import_rows(
        rows=[(2, {"email": "a@example.com"}), (3, {"email": "bad"})], campaign=None, config=None, occurred_at=None
    )
    assert (created, touched, [error["line"] for error in errors]) == (1, 0, [3])
    assert Lead.objects.get().email == "a@example.com"


def _waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_email_a_concurrent_capture_inserts_meanwhile_becomes_a_touch_of_its_lead():
    captured, release = threading.Event(), threading.Event()
    outcome = {}

    def website_form():
        try:
            with transaction.atomic():
                lead_capture(data={"email": "Race@Example.com", "first_name": "Web"})
                captured.set()
                release.wait(timeout=30)  # hold the new lead uncommitted while the batch inserts it
        except Exception as exc:  # asserted below
            outcome["form"] = exc
        finally:
            connection.close()

    def import_batch():
        try:
            captured.wait(timeout=30)
            outcome["batch"] = leads_capture_batch(
                rows=[(2, {"email": "race@example.com", "company": "Acme"}), (3, {"email": "other@example.com"})]
            )
        except Exception as exc:  # asserted below
            outcome["batch"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=website_form), threading.Thread(target=import_batch)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while not _waiting_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _waiting_on_a_lock(), "the batch never waited for the form's uncommitted lead"
    release.set()
    for thread in threads:
        thread.join(timeout=60)

    assert "form" not in outcome
    result = outcome["batch"]
    assert not isinstance(result, Exception), result
    assert (result.created, result.touched, result.errors) == (1, 1, [])
    lead = Lead.objects.get(email="race@example.com")
    # The form's lead, extended by the import: one lead, a touch from each.
    assert (lead.first_name, lead.company) == ("Web", "Acme")
    assert lead.touchpoints.count() == 2
    assert Lead.objects.count() == 2
