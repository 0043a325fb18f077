"""The lifecycle, capture and edits of leads, through leads.services."""

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Channel
from campaigns.tests.factories import CampaignFactory, VariantFactory
from leads.models import TRANSITIONS, IdealCustomerProfile, Lead, StatusChange, Touchpoint
from leads.services import (
    InvalidTransition,
    StaleLead,
    activity_log,
    lead_capture,
    lead_transition,
    lead_update,
)
from leads.tests.factories import LeadFactory, ScoringRuleFactory

pytestmark = pytest.mark.django_db

S = Lead.Status
ALL_PAIRS = list(itertools.product(S.values, S.values))
EXTRA = {S.WON: {"deal_value": "1200.50"}, S.LOST: {"lost_reason": Lead.LostReason.PRICE}}


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_every_pair_of_the_lifecycle_table(users, from_status, to_status):
    lead = LeadFactory(
        status=from_status,
        deal_value=Decimal("5") if from_status == S.WON else None,
        lost_reason="price" if from_status == S.LOST else "",
    )
    allowed = S(to_status) in TRANSITIONS[S(from_status)]
    if allowed:
        lead_transition(
            lead=lead,
            to_status=to_status,
            actor=users["managers"],
            note="n",
            answering_handoff=from_status == S.MQL,
            **EXTRA.get(to_status, {}),
        )
        fresh = Lead.objects.get(pk=lead.pk)
        assert fresh.status == to_status
        assert fresh.version == 2
        change = StatusChange.objects.get(lead=lead)
        assert (change.from_status, change.to_status, change.changed_by) == (from_status, to_status, users["managers"])
    else:
        with pytest.raises(InvalidTransition):
            lead_transition(
                lead=lead,
                to_status=to_status,
                actor=users["managers"],
                answering_handoff=True,
                **EXTRA.get(to_status, {}),
            )
        assert Lead.objects.get(pk=lead.pk).status == from_status
        assert not StatusChange.objects.filter(lead=lead).exists()


def test_the_table_matches_the_design():
    assert {k: {str(v) for v in vs} for k, vs in TRANSITIONS.items()} == {
        "new": {"mql", "disqualified"},
        "mql": {"sal", "recycled", "disqualified"},
        "sal": {"sql", "recycled", "lost", "disqualified"},
        "sql": {"won", "lost"},
        "recycled": {"mql"},
        "lost": {"recycled"},
        "won": set(),
        "disqualified": set(),
    }


@pytest.mark.parametrize("value", [None, "", "0", "-5", "abc", "NaN"])
def test_winning_without_a_positive_deal_value_is_refused(users, value):
    lead = LeadFactory(status=S.SQL)
    with pytest.raises(ValidationError) as info:
        lead_transition(lead=lead, to_status=S.WON, actor=users["sales"], deal_value=value)
    assert "deal_value" in info.value.message_dict
    assert Lead.objects.get(pk=lead.pk).status == S.SQL


def test_losing_without_a_reason_is_refused(users):
    lead = LeadFactory(status=S.SQL)
    with pytest.raises(ValidationError) as info:
        lead_transition(lead=lead, to_status=S.LOST, actor=users["sales"], lost_reason="")
    assert "lost_reason" in info.value.message_dict
    assert not StatusChange.objects.exists()


def test_a_stale_edit_is_refused_and_changes_nothing(users):
    lead = LeadFactory(status=S.SAL, company="Acme")
    seen_version = lead.version
    lead_update(lead=Lead.objects.get(pk=lead.pk), actor=users["sales"], version=seen_version, company="Acme GmbH")
    with pytest.raises(StaleLead) as info:
        lead_transition(lead=lead, to_status=S.SQL, actor=users["sales"], version=seen_version)
    assert info.value.current.company == "Acme GmbH"
    with pytest.raises(StaleLead):
        lead_update(lead=lead, actor=users["sales"], version=seen_version, company="Overwritten")
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status, fresh.company, fresh.version) == (S.SAL, "Acme GmbH", seen_version + 1)
    assert not StatusChange.objects.exists()


def test_editing_a_lead_recomputes_its_score_and_fit(users):
    profile = IdealCustomerProfile.current()
    profile.industries, profile.countries = ["software"], ["DE"]
    profile.save()
    ScoringRuleFactory(field="industry", operator="equals", value="software", points=20)
    ScoringRuleFactory(field="country", operator="equals", value="DE", points=15)
    lead = LeadFactory(status=S.SAL, industry="retail", country="FR", score=0, fit=Lead.Fit.POOR)
    lead_update(lead=lead, actor=users["sales"], industry="Software")
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.score, fresh.fit) == (20, Lead.Fit.PARTIAL)  # one of two criteria met
    lead_update(lead=fresh, actor=users["sales"], country="de")
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.score, fresh.fit, fresh.version) == (35, Lead.Fit.GOOD, 3)


def test_capture_creates_a_lead_with_a_touchpoint_and_attribution():
    campaign = CampaignFactory(utm_campaign="spring-sale")
    variant = VariantFactory(campaign=campaign, utm_content="hero-b")
    result = lead_capture(
        data={
            "email": "  Ada@Example.COM ",
            "first_name": "Ada",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "Spring-Sale",
            "utm_content": "hero-b",
            "page_url": "https://x.test/p",
        },
    )
    assert result.created
    lead = Lead.objects.get()
    assert lead.email == "ada@example.com"
    assert (lead.source, lead.first_touch_campaign, lead.last_touch_campaign) == (
        Channel.PAID_SEARCH,
        campaign,
        campaign,
    )
    touch = Touchpoint.objects.get()
    assert (touch.campaign, touch.variant, touch.channel, touch.utm_medium) == (campaign, variant, "paid_search", "cpc")


def test_a_known_email_gets_a_touchpoint_not_a_second_lead():
    first = CampaignFactory(utm_campaign="first")
    second = CampaignFactory(utm_campaign="second")
    lead_capture(data={"email": "bob@example.com", "utm_campaign": "first", "utm_medium": "email"})
    again = lead_capture(data={"email": "BOB@example.com", "company": "Bobco", "utm_campaign": "second"})
    assert not again.created
    lead = Lead.objects.get()
    assert lead.touchpoints.count() == 2
    assert (lead.first_touch_campaign, lead.last_touch_campaign, lead.source) == (first, second, Channel.EMAIL)
    assert lead.company == "Bobco"


def test_a_forms_default_campaign_gives_the_campaign_not_the_channel():
    from leads.tests.factories import CaptureFormFactory

    default = CampaignFactory(channel=Channel.WEBINAR)
    form = CaptureFormFactory(campaign=default)
    result = lead_capture(data={"email": "c@example.com"}, form=form)
    assert result.touchpoint.campaign == default
    assert result.touchpoint.channel == Channel.DIRECT


def test_capture_reaching_the_threshold_makes_an_mql_with_a_handoff(django_capture_on_commit_callbacks, users):
    profile = IdealCustomerProfile.current()
    profile.mql_threshold = 30
    profile.save()
    ScoringRuleFactory(field="industry", operator="equals", value="software", points=20)
    ScoringRuleFactory(field="title", operator="contains", value="head", points=15)
    low = lead_capture(data={"email": "low@example.com", "industry": "software"})
    assert (low.lead.status, low.lead.score) == (S.NEW, 20)
    with django_capture_on_commit_callbacks(execute=True):
        high = lead_capture(data={"email": "high@example.com", "industry": "Software", "title": "Head of IT"})
    assert high.became_mql
    lead = Lead.objects.get(pk=high.lead.pk)
    assert (lead.status, lead.score) == (S.MQL, 35)
    assert lead.handoffs.get().assigned_to == users["sales"] or lead.handoffs.get().assigned_to == users["sales2"]
    assert StatusChange.objects.get(lead=lead).to_status == S.MQL


@pytest.mark.parametrize(
    "bad",
    [
        {"email": ""},
        {"email": "not-an-email"},
        {"email": "a@b.co", "company_size": "x"},
        {"email": "a@b.co", "country": "Germany"},
    ],
)
def test_capture_refuses_bad_input_with_field_errors(bad):
    with pytest.raises(ValidationError) as info:
        lead_capture(data=bad)
    assert set(info.value.message_dict) & {"email", "company_size", "country"}
    assert not Lead.objects.exists()


def test_a_contact_after_acceptance_stamps_first_contact_once(users):
    from handoffs.services import handoff_accept, handoff_create

    lead = LeadFactory(status=S.NEW)
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"])
    handoff_accept(handoff=handoff, actor=users["sales"])
    activity_log(lead=lead, actor=users["sales2"], kind="call", subject="Not the owner")
    handoff.refresh_from_db()
    assert handoff.first_contact_at is None
    first = activity_log(lead=lead, actor=users["sales"], kind="call", subject="Intro")
    activity_log(lead=lead, actor=users["sales"], kind="email", subject="Follow-up")
    handoff.refresh_from_db()
    assert handoff.first_contact_at == first.occurred_at


def test_an_absurd_company_size_is_a_field_error_not_a_database_error():
    with pytest.raises(ValidationError) as info:
        lead_capture(data={"email": "big@example.com", "company_size": "99999999999"})
    assert "company_size" in info.value.message_dict
    assert not Lead.objects.exists()


def test_a_failing_mql_listener_does_not_lose_the_captured_lead(django_capture_on_commit_callbacks, monkeypatch):
    from handoffs import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.handoff_for_new_mql, "delay", broker_down)
    profile = IdealCustomerProfile.current()
    profile.mql_threshold = 0
    profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = lead_capture(data={"email": "kept@example.com"})
    assert Lead.objects.get(pk=result.lead.pk).status == S.MQL


@pytest.mark.parametrize("to_status", [S.SAL, S.RECYCLED, S.DISQUALIFIED])
def test_an_mql_moves_on_only_by_the_answer_to_its_handoff(users, to_status):
    lead = LeadFactory(status=S.MQL)
    with pytest.raises(InvalidTransition, match="answer to its hand-off"):
        lead_transition(lead=lead, to_status=to_status, actor=users["managers"])
    assert Lead.objects.get(pk=lead.pk).status == S.MQL
