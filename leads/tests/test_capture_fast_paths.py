"""The capture endpoint's fast paths keep its behaviour: the cached scoring configuration
follows every write (in any process), one statement finds a lead by e-mail or alias, a
taken e-mail is no error, and the two rate limits share their cache round trips."""

import json

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from campaigns.tests.factories import CampaignFactory
from conftest import clear_cache, commit_from_another_process
from leads import api_capture, scoring
from leads.api_capture import CaptureFormThrottle, CaptureIPThrottle, check_throttles_together
from leads.models import IdealCustomerProfile, Lead, LeadAlias, ScoringRule, ScoringVersion, Touchpoint
from leads.services import _insert_unless_taken, lead_by_email, lead_capture
from leads.tests.factories import CaptureFormFactory, ScoringRuleFactory


def url(form):
    return f"/api/v1/capture/{form.key}/"


def post(client, form, email, **extra):
    body = json.dumps({"email": email, "company": "Acme", "utm_campaign": "spring"})
    return client.post(url(form), body, content_type="application/json", **extra)


@pytest.fixture(autouse=True)
def profile(request):
    """The profile exists, as in any database past its first capture (creating it is a write
    that changes the scoring version once)."""
    if "django_db" in request.keywords:
        IdealCustomerProfile.current()


@pytest.fixture
def form():
    return CaptureFormFactory(
        campaign=CampaignFactory(utm_campaign="spring"), allowed_origins="https://www.example.com"
    )


def company_rule(points):
    return ScoringRuleFactory(field="company", operator="present", value="", points=points)


def sql_of(ctx):
    """The statements run, without the savepoints of the test's own transaction around them."""
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


# --- The scoring configuration, cached per process behind a version -----------------


@pytest.mark.django_db
def test_every_kind_of_write_to_rules_or_profile_changes_the_version():
    rule = ScoringRuleFactory(points=5)
    seen = {scoring.current_version()}
    writes = [
        lambda: ScoringRule.objects.filter(pk=rule.pk).update(points=7),  # no signal, no save()
        lambda: ScoringRule.objects.bulk_create([ScoringRule(field="country", operator="equals", points=1)]),
        lambda: connection.cursor().execute("UPDATE leads_scoringrule SET points = 9"),
        lambda: ScoringRule.objects.filter(pk=rule.pk).delete(),
        lambda: IdealCustomerProfile.objects.update(mql_threshold=3),
    ]
    for write in writes:
        write()
        version = scoring.current_version()
        assert version is not None and version not in seen
        seen.add(version)


@pytest.mark.django_db
def test_the_next_capture_applies_a_rule_change(form, client):
    rule = company_rule(20)
    assert post(client, form, "a@example.com").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, form, "b@example.com").status_code == 201
    # Cached: neither the rules nor the profile were read again.
    assert not [sql for sql in sql_of(ctx) if "leads_scoringrule" in sql or "leads_idealcustomerprofile" in sql]
    assert Lead.objects.get(email="b@example.com").score == 20

    ScoringRule.objects.filter(pk=rule.pk).update(points=35)  # a queryset update sends no signal
    assert post(client, form, "c@example.com").status_code == 201
    assert Lead.objects.get(email="c@example.com").score == 35


@pytest.mark.django_db
def test_a_rolled_back_change_is_not_taken_for_the_current_one(form, client):
    company_rule(20)
    assert post(client, form, "before@example.com").status_code == 201
    try:
        with transaction.atomic():
            ScoringRule.objects.update(points=90)
            assert post(client, form, "inside@example.com").status_code == 201
            assert Lead.objects.get(email="inside@example.com").score == 90
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert post(client, form, "after@example.com").status_code == 201
    assert Lead.objects.get(email="after@example.com").score == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_process_is_applied_on_the_next_capture(form, client):
    company_rule(20)
    assert ScoringVersion.objects.filter(pk=1).exists()  # the rule's insert made the row
    assert post(client, form, "first@example.com").status_code == 201
    assert Lead.objects.get(email="first@example.com").score == 20

    commit_from_another_process(  # raw SQL, committed
        "UPDATE leads_scoringrule SET points = 45", "UPDATE leads_idealcustomerprofile SET mql_threshold = 40"
    )

    assert post(client, form, "second@example.com").status_code == 201
    lead = Lead.objects.get(email="second@example.com")
    assert lead.score == 45
    assert lead.status == Lead.Status.MQL  # the new threshold applied too


@pytest.mark.django_db
def test_without_the_version_row_nothing_is_cached(form, client):
    company_rule(20)
    ScoringVersion.objects.all().delete()
    post(client, form, "one@example.com")
    with CaptureQueriesContext(connection) as ctx:
        post(client, form, "two@example.com")
    assert [sql for sql in sql_of(ctx) if "leads_scoringrule" in sql]
    assert Lead.objects.get(email="two@example.com").score == 20


@pytest.mark.django_db
def test_load_still_reads_the_database_every_time():
    ScoringRuleFactory(points=20)
    with CaptureQueriesContext(connection) as ctx:
        scoring.ScoringConfig.load()
        scoring.ScoringConfig.load()
    assert len([sql for sql in sql_of(ctx) if "leads_scoringrule" in sql]) == 2


# --- One statement for the lead of an e-mail ----------------------------------------------


@pytest.mark.django_db
def test_one_statement_finds_the_lead_by_email_or_by_alias():
    survivor = Lead.objects.create(email="jane@example.com")
    other = Lead.objects.create(email="old@example.com")
    LeadAlias.objects.create(email="jane.old@example.com", lead=survivor)
    LeadAlias.objects.create(email="Older@Example.com", lead=other)
    with CaptureQueriesContext(connection) as ctx:
        assert lead_by_email("JANE@example.com") == survivor
        assert lead_by_email("Jane.Old@Example.COM") == survivor
        assert lead_by_email("nobody@example.com") is None
    assert len(ctx.captured_queries) == 3
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        assert lead_by_email("jane.old@example.com", lock=True) == survivor
    assert len(ctx.captured_queries) == 1


@pytest.mark.postgres  # SQLite has no row locks: Django leaves FOR UPDATE out there
@pytest.mark.django_db
def test_the_locked_lookup_by_alias_locks_the_lead_in_the_same_statement():
    survivor = Lead.objects.create(email="jane@example.com")
    LeadAlias.objects.create(email="jane.old@example.com", lead=survivor)
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        assert lead_by_email("jane.old@example.com", lock=True) == survivor
    assert len(ctx.captured_queries) == 1 and "FOR UPDATE" in ctx.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_a_leads_own_email_wins_over_another_leads_alias():
    own = Lead.objects.create(email="shared@example.com")
    other = Lead.objects.create(email="other@example.com")
    LeadAlias.objects.create(email="SHARED@example.com", lead=other)
    assert lead_by_email("shared@example.com") == own


@pytest.mark.django_db
def test_a_capture_of_an_alias_extends_the_survivor(form, client):
    survivor = Lead.objects.create(email="jane@example.com")
    LeadAlias.objects.create(email="jane.old@example.com", lead=survivor)
    response = post(client, form, "Jane.Old@example.com")
    assert response.status_code == 200
    assert response.json() == {"lead_id": survivor.pk, "created": False}
    assert Lead.objects.count() == 1


# --- A taken e-mail without a savepoint ---------------------------------------------------


@pytest.mark.django_db
def test_inserting_a_taken_email_is_skipped_and_the_transaction_goes_on():
    first = Lead.objects.create(email="taken@example.com")
    with transaction.atomic():
        assert _insert_unless_taken(Lead(email="TAKEN@example.com")) is False
        # Not aborted: the transaction still runs statements.
        assert Lead.objects.filter(pk=first.pk).exists()
        fresh = Lead(email="fresh@example.com")
        assert _insert_unless_taken(fresh) is True
    assert fresh.pk is not None and Lead.objects.get(pk=fresh.pk).email == "fresh@example.com"


@pytest.mark.django_db
def test_a_new_lead_is_written_once_with_its_score(form, client):
    company_rule(20)
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, form, "once@example.com").status_code == 201
    writes = [sql for sql in sql_of(ctx) if sql.startswith(("INSERT", "UPDATE", "WITH"))]
    # The lead is inserted scored, by one statement; no UPDATE follows.
    assert len([sql for sql in writes if 'INTO "leads_lead" (' in sql]) == 1, writes
    assert not [sql for sql in writes if "UPDATE" in sql], writes
    assert Lead.objects.get(email="once@example.com").score == 20


@pytest.mark.postgres  # the one-statement insert (a CTE inserting into two tables) is PostgreSQL's
@pytest.mark.django_db
def test_a_new_lead_and_its_touchpoint_are_one_statement(form, client):
    company_rule(20)
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, form, "once@example.com").status_code == 201
    writes = [sql for sql in sql_of(ctx) if sql.startswith(("INSERT", "UPDATE", "WITH"))]
    # One statement inserts the lead and its touchpoint (in autocommit its own transaction); no UPDATE.
    assert len(writes) == 1 and "UPDATE" not in writes[0], writes
    assert writes[0].startswith("WITH ") and 'INSERT INTO "leads_lead"' in writes[0]
    assert 'INSERT INTO "leads_touchpoint"' in writes[0]
    assert Lead.objects.get(email="once@example.com").score == 20


@pytest.mark.postgres  # the counts are those of the one-statement insert, which only PostgreSQL runs
@pytest.mark.django_db
def test_a_capture_runs_a_bounded_number_of_statements(form, client):
    post(client, form, "warm@example.com")
    # A new e-mail: one statement checking the versions the form was kept at (leads.capture),
    # resolving the utm campaign and inserting the lead and its touchpoint. A known one: that
    # statement (which finds the e-mail taken and still answers the campaign), the locked lookup
    # and the touchpoint.
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, form, "new@example.com").status_code == 201
    assert len(sql_of(ctx)) == 1, sql_of(ctx)
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, form, "new@example.com").status_code == 200
    assert len(sql_of(ctx)) <= 3, sql_of(ctx)


@pytest.mark.django_db
def test_a_cors_request_reads_its_form_once(form, client):
    with CaptureQueriesContext(connection) as ctx:
        response = post(client, form, "cors@example.com", HTTP_ORIGIN="https://www.example.com")
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert len([sql for sql in sql_of(ctx) if 'FROM "leads_captureform"' in sql]) == 1


@pytest.mark.django_db
def test_capture_by_the_service_uses_the_cached_config_too():
    ScoringRuleFactory(points=20)
    lead_capture(data={"email": "s1@example.com", "industry": "software"})
    with CaptureQueriesContext(connection) as ctx:
        result = lead_capture(data={"email": "s2@example.com", "industry": "software"})
    assert result.lead.score == 20
    assert not [sql for sql in sql_of(ctx) if "leads_scoringrule" in sql]
    assert Touchpoint.objects.filter(lead=result.lead).count() == 1


# --- Two rate limits, one cache read and one write -----------------------------------------


def rates(*, ip="1000/minute", form="1000/minute"):
    from django.conf import settings

    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "capture_ip": ip, "capture_form": form}
    return override_settings(REST_FRAMEWORK=rest)


class CountingCache:
    """The default cache, counting its round trips."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if callable(attr):

            def counted(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)

            return counted
        return attr


@pytest.mark.django_db
def test_on_a_cache_other_than_redis_both_rate_limits_take_one_read_and_one_write(form, client, monkeypatch):
    # On Redis both are counted by one script (tests/security/test_client_address.py).
    clear_cache()  # this process's keys only: a FLUSHDB would empty the other xdist process's limits
    monkeypatch.setattr(api_capture, "_redis_client", lambda cache: None)
    counting = CountingCache(cache)
    monkeypatch.setattr(CaptureIPThrottle, "cache", counting)
    monkeypatch.setattr(CaptureFormThrottle, "cache", counting)
    with rates():
        assert post(client, form, "rt@example.com").status_code == 201
    assert counting.calls == ["get_many", "set_many"]


@pytest.mark.django_db
def test_the_limits_answer_429_at_their_rate_and_count_as_drf_does(form, client):
    clear_cache()  # this process's keys only: a FLUSHDB would empty the other xdist process's limits
    with rates(ip="1/minute", form="2/minute"):
        assert post(client, form, "l1@example.com", REMOTE_ADDR="10.1.0.1").status_code == 201
        # Refused by the IP limit, yet counted by the form's (DRF checks and counts every throttle).
        refused = post(client, form, "l2@example.com", REMOTE_ADDR="10.1.0.1")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert post(client, form, "l3@example.com", REMOTE_ADDR="10.1.0.2").status_code == 429
    assert not Lead.objects.filter(email__in=["l2@example.com", "l3@example.com"]).exists()


@pytest.mark.django_db
def test_throttling_together_decides_as_drf_one_by_one(rf, form):
    """The same requests through DRF's per-throttle allow_request and through the shared
    round trips give the same answers."""

    class View:
        capture_form = form

    def run(together):
        clear_cache()  # this process's keys only: a FLUSHDB would empty the other xdist process's limits
        answers = []
        for n in range(6):
            request = rf.post("/", REMOTE_ADDR=f"10.2.0.{n % 2}")
            throttles = [CaptureIPThrottle(), CaptureFormThrottle()]
            if together:
                answers.append(len(check_throttles_together(throttles, request, View())))
            else:
                answers.append(sum(not t.allow_request(request, View()) for t in throttles))
        return answers

    with rates(ip="2/minute", form="3/minute"):
        assert run(together=True) == run(together=False) == [0, 0, 0, 1, 2, 2]


@pytest.mark.django_db(transaction=True)
def test_a_locked_lookup_outside_a_transaction_is_refused_as_select_for_update_is():
    with pytest.raises(transaction.TransactionManagementError):
        lead_by_email("x@example.com", lock=True)


# --- A new lead in one statement resolves its campaign as the locked path does --------------


UTM_CASES = pytest.mark.parametrize(
    ("utm", "expected"),
    [("", "default"), ("nomatch", "default"), ("SUMMER", "summer"), ("  Summer ", "summer"), ("Winter", "winter")],
)


def utm_campaigns():
    """Return the campaigns a utm key may pick, and a form defaulting to one of them."""
    campaigns = {
        "default": CampaignFactory(utm_campaign="default-one"),
        "blank": CampaignFactory(utm_campaign=""),  # a blank utm in the body must not pick it
        "summer": CampaignFactory(utm_campaign="summer"),
        "winter": CampaignFactory(utm_campaign="winter"),
    }
    return campaigns, CaptureFormFactory(campaign=campaigns["default"])


@pytest.mark.postgres  # the one-statement insert is PostgreSQL's; elsewhere _resolve_campaign looks it up
@pytest.mark.django_db
@UTM_CASES
def test_a_new_leads_campaign_is_looked_up_in_its_one_insert(utm, expected):
    campaigns, form = utm_campaigns()
    with CaptureQueriesContext(connection) as ctx:
        result = lead_capture(data={"email": f"new-{expected}@example.com", "utm_campaign": utm}, form=form)
    # The campaign is looked up in the one INSERT, not by a statement of its own.
    assert result.created and [q[:5] for q in sql_of(ctx) if "campaigns_campaign" in q] == ["WITH "]
    assert result.touchpoint.campaign_id == campaigns[expected].pk


@pytest.mark.django_db
@UTM_CASES
def test_a_new_leads_campaign_is_the_utm_match_else_the_default(utm, expected):
    from leads.services.capture import _resolve_campaign

    campaigns, form = utm_campaigns()
    result = lead_capture(data={"email": f"new-{expected}@example.com", "utm_campaign": utm}, form=form)
    assert result.created
    lead = Lead.objects.get(pk=result.lead.pk)
    touch = Touchpoint.objects.get(lead=lead)
    assert lead.first_touch_campaign == lead.last_touch_campaign == touch.campaign == campaigns[expected]
    assert touch.campaign == _resolve_campaign(utm.strip(), campaigns["default"])
    assert result.lead.first_touch_campaign_id == result.touchpoint.campaign_id == campaigns[expected].pk


# --- lead.created's handlers write in the new lead's transaction ----------------------------


@pytest.mark.django_db(transaction=True)  # autocommit, as the endpoint runs
def test_a_handler_failing_on_lead_created_leaves_no_lead():
    from crm import events

    def failing(event):
        raise RuntimeError("the handler's write failed")

    events.subscribe(events.LEAD_CREATED, failing)
    try:
        with pytest.raises(RuntimeError):
            lead_capture(data={"email": "rolled-back@example.com"})
    finally:
        events.unsubscribe(events.LEAD_CREATED, failing)
    assert not Lead.objects.filter(email="rolled-back@example.com").exists()
    assert not Touchpoint.objects.exists()


@pytest.mark.postgres  # the one-statement insert, and its autocommit, are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_without_a_listener_that_acts_a_new_lead_is_one_statement_in_autocommit():
    from crm import events

    seen = []

    def idle(event):
        seen.append(event.type)

    idle.wants = lambda event_type: False  # it would write nothing now
    events.subscribe(events.LEAD_CREATED, idle)
    try:
        lead_capture(data={"email": "warm@example.com"})  # the scoring configuration is cached
        with CaptureQueriesContext(connection) as ctx:
            result = lead_capture(data={"email": "alone@example.com"})
    finally:
        events.unsubscribe(events.LEAD_CREATED, idle)
    assert result.created and seen == [events.LEAD_CREATED, events.LEAD_CREATED]
    # The statement, prepared on the connection by the warm-up (leads.prepared.execute_prepared).
    # Besides it, only the scoring version's read (ScoringConfig.current): no BEGIN, no COMMIT.
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith('SELECT "leads_scoringversion"')]
    assert len(statements) == 1 and statements[0].startswith("EXECUTE tandem_"), statements
