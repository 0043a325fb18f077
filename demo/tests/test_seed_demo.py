"""seed_demo: deterministic for a seed, different for another, and every invariant holds."""

import datetime
from collections import Counter, defaultdict
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum

from campaigns.models import CAMPAIGN_CHANNELS, Campaign, Channel
from demo import data as demo_data
from handoffs.models import Handoff, SalesRep, ServiceLevel
from leads.channels import channel_from_utm
from leads.models import (
    Activity,
    CaptureForm,
    IdealCustomerProfile,
    Lead,
    ScoringRule,
    StatusChange,
    Touchpoint,
)
from leads.services import lead_capture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

ANCHOR = "2026-03-04T15:30:00+00:00"
SMALL = ["--leads", "300", "--weeks", "4", "--anchor", ANCHOR]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out)
    return out.getvalue()


def wipe():
    """Empty the domain tables (the users stay, as they would in a reused database)."""
    Handoff.objects.all().delete()
    Lead.objects.all().delete()
    Campaign.objects.all().delete()
    ScoringRule.objects.all().delete()
    IdealCustomerProfile.objects.all().delete()
    ServiceLevel.objects.all().delete()
    SalesRep.objects.all().delete()


def iso(moment):
    return moment.isoformat() if moment else None


def dump():
    """Return the seeded data without ids: rows keyed by e-mail, slug and username."""
    per_lead = defaultdict(lambda: {"touch": [], "moves": [], "handoffs": [], "activities": []})
    for t in Touchpoint.objects.select_related("lead", "campaign", "variant").order_by("occurred_at", "id"):
        per_lead[t.lead.email]["touch"].append(
            (iso(t.occurred_at), t.channel, t.campaign and t.campaign.slug, t.variant and t.variant.utm_content)
        )
    for c in StatusChange.objects.select_related("lead", "changed_by").order_by("changed_at", "id"):
        per_lead[c.lead.email]["moves"].append(
            (iso(c.changed_at), c.from_status, c.to_status, c.changed_by and c.changed_by.username)
        )
    for h in Handoff.objects.select_related("lead", "assigned_to").order_by("created_at", "id"):
        per_lead[h.lead.email]["handoffs"].append(
            (iso(h.created_at), h.outcome, h.assigned_to and h.assigned_to.username, h.reject_reason, h.feedback)
            + (iso(h.responded_at), iso(h.first_contact_at), h.over_capacity)
        )
    for a in Activity.objects.select_related("lead", "user").order_by("occurred_at", "id"):
        per_lead[a.lead.email]["activities"].append((iso(a.occurred_at), a.kind, a.user.username, a.subject))
    leads = {
        lead.email: (lead.status, lead.score, lead.fit, lead.source, str(lead.deal_value), lead.lost_reason)
        + (lead.owner and lead.owner.username, lead.company, lead.title, per_lead[lead.email])
        for lead in Lead.objects.select_related("owner")
    }
    campaigns = {
        c.slug: (c.status, c.channel, str(c.start_date), str(c.end_date), str(c.budget), str(c.total), c.variants_n)
        for c in Campaign.objects.annotate(total=Sum("spend__amount"), variants_n=Count("variants", distinct=True))
    }
    return {"leads": leads, "campaigns": campaigns}


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    seed("--seed", "7")
    first = dump()
    wipe()
    seed("--seed", "8")
    other = dump()
    wipe()
    seed("--seed", "7")
    again = dump()

    assert len(first["leads"]) == 300
    assert again == first
    assert set(other["leads"]) != set(first["leads"])
    # Same campaigns and dates (they follow the anchor), other spend figures.
    assert set(other["campaigns"]) == set(first["campaigns"])
    assert other["campaigns"] != first["campaigns"]


def test_every_invariant_holds_on_the_seeded_data():
    output = seed("--seed", "3")
    anchor = datetime.datetime.fromisoformat(ANCHOR)
    calendar = ServiceLevel.current().calendar()
    leads = {lead.pk: lead for lead in Lead.objects.all()}
    assert len(leads) == 300
    assert "maria" in output and "tandem-demo" in output

    moves = defaultdict(list)
    for change in StatusChange.objects.order_by("changed_at", "id"):
        moves[change.lead_id].append(change)
    touches = defaultdict(list)
    for touch in Touchpoint.objects.select_related("campaign").order_by("occurred_at", "id"):
        touches[touch.lead_id].append(touch)
    handoffs = defaultdict(list)
    for handoff in Handoff.objects.order_by("created_at", "id"):
        handoffs[handoff.lead_id].append(handoff)

    for pk, lead in leads.items():
        # History is a chain from new to the current status, in time order, after creation.
        chain = moves[pk]
        assert [c.from_status for c in chain] == ["new", *[c.to_status for c in chain]][: len(chain)], lead.email
        assert (chain[-1].to_status if chain else "new") == lead.status
        assert all(lead.created_at <= c.changed_at <= anchor for c in chain)
        # The first visit made the lead; every visit is a touchpoint.
        assert touches[pk] and touches[pk][0].occurred_at == lead.created_at
        assert all(t.occurred_at <= anchor for t in touches[pk])
        if lead.status == Lead.Status.WON:
            assert lead.deal_value > 0
        if lead.status == Lead.Status.LOST:
            assert lead.lost_reason
        pending = [h for h in handoffs[pk] if h.outcome == Handoff.Outcome.PENDING]
        assert len(pending) <= 1
        # Every MQL is waiting in exactly one hand-off, and nothing else is.
        assert len(pending) == (1 if lead.status == Lead.Status.MQL else 0), lead.email
        accepted = [h for h in handoffs[pk] if h.outcome == Handoff.Outcome.ACCEPTED]
        assert lead.owner_id == (accepted[-1].assigned_to_id if accepted else None)
        for h in handoffs[pk]:
            assert h.accept_deadline == calendar.add_working(h.created_at, demo_data.HOURS_TO_ACCEPT * 3600)
            assert h.responded_at is None or h.created_at <= h.responded_at <= anchor
            if h.outcome == Handoff.Outcome.REJECTED:
                assert h.reject_reason and h.feedback
        for h in accepted:
            assert h.first_contact_deadline == calendar.add_working(
                h.responded_at, demo_data.HOURS_TO_FIRST_CONTACT * 3600
            )

    # Every website visit came through the capture form of its page, so the forms page has them.
    forms = {form.name: form for form in CaptureForm.objects.all()}
    assert set(forms) == {name for name, _ in demo_data.CAPTURE_FORMS}
    for touch in Touchpoint.objects.filter(kind=Touchpoint.Kind.FORM).select_related("form"):
        page = touch.page_url.removeprefix(demo_data.SITE_ORIGIN)
        expected = next((name for name, pages in demo_data.CAPTURE_FORMS if page in pages), "Newsletter sign-up")
        assert touch.form.name == expected, touch.page_url
    assert all(form.origin_list() == [demo_data.SITE_ORIGIN] for form in forms.values())
    first_visit = Touchpoint.objects.earliest("occurred_at").occurred_at
    assert all(form.created_at <= first_visit for form in forms.values())

    # A touch's channel follows its campaign's channel; a touch without a campaign is direct.
    for touch in Touchpoint.objects.select_related("campaign"):
        assert touch.channel == (touch.campaign.channel if touch.campaign else Channel.DIRECT)

    # Activities are the owner's work after accepting, and the first contact is stamped from them.
    accepted_by_lead = defaultdict(list)
    for h in Handoff.objects.filter(outcome=Handoff.Outcome.ACCEPTED).order_by("responded_at"):
        accepted_by_lead[h.lead_id].append(h)
    for activity in Activity.objects.all():
        owners = [(h.responded_at, h.assigned_to_id) for h in accepted_by_lead[activity.lead_id]]
        assert any(at <= activity.occurred_at and user == activity.user_id for at, user in owners)
    for h in Handoff.objects.exclude(first_contact_at=None):
        first = (
            Activity.objects.filter(
                lead=h.lead_id, user=h.assigned_to_id, kind__in=Activity.CONTACT_KINDS, occurred_at__gte=h.responded_at
            )
            .order_by("occurred_at")
            .first()
        )
        assert first is not None and h.first_contact_at == first.occurred_at

    # The spread the pages need: every outcome, every reason, breaches, and the whole pipeline.
    outcomes = Counter(Handoff.objects.values_list("outcome", flat=True))
    assert outcomes[Handoff.Outcome.ACCEPTED] and outcomes[Handoff.Outcome.REJECTED]
    assert set(Handoff.objects.values_list("reject_reason", flat=True)) - {""} == set(Handoff.RejectReason.values)
    assert {Lead.Status.WON, Lead.Status.LOST, Lead.Status.SQL, Lead.Status.RECYCLED} <= set(
        Lead.objects.values_list("status", flat=True)
    )
    assert Handoff.objects.filter(first_contact_at__gt=F("first_contact_deadline")).exists()
    assert Activity.objects.filter(kind=Activity.Kind.TASK).exclude(done_at=None).exists()
    assert len({t.lead_id for t in Touchpoint.objects.all()}) < Touchpoint.objects.count()  # repeat visitors

    # The team, the campaigns and the shared rules.
    User = get_user_model()
    assert {role: User.objects.filter(groups__name=role).count() for role in demo_data.TEAM_SIZE} == (
        demo_data.TEAM_SIZE
    )
    assert Campaign.objects.count() == 20
    assert set(Campaign.objects.values_list("channel", flat=True)) == {c for c, _ in CAMPAIGN_CHANNELS}
    assert all(c.variants.count() == 2 for c in Campaign.objects.all())
    assert Campaign.objects.filter(spend__isnull=False).distinct().count() >= 15
    assert ScoringRule.objects.count() == len(demo_data.SCORING_RULES)
    assert IdealCustomerProfile.current().industries == demo_data.ICP["industries"]


def test_every_campaign_utm_pair_attributes_to_its_channel():
    for spec in demo_data.CAMPAIGNS:
        for source, medium in spec.utm:
            assert channel_from_utm(source, medium) == spec.channel, spec.name


def test_if_empty_does_nothing_on_a_database_with_data():
    call_command("seed_demo", "--leads", "20", "--weeks", "1", "--anchor", ANCHOR, stdout=StringIO())
    counts = (Lead.objects.count(), Touchpoint.objects.count(), Campaign.objects.count(), Handoff.objects.count())
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--leads", "50", stdout=out)
    assert "no demo data added" in out.getvalue()
    assert (Lead.objects.count(), Touchpoint.objects.count(), Campaign.objects.count(), Handoff.objects.count()) == (
        counts
    )
    with pytest.raises(CommandError):
        call_command("seed_demo", "--leads", "50", stdout=StringIO())
    assert Lead.objects.count() == counts[0]


def test_if_empty_seeds_an_empty_database():
    call_command("seed_demo", "--if-empty", "--leads", "20", "--weeks", "1", "--anchor", ANCHOR, stdout=StringIO())
    assert Lead.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_seeding_queues_no_task_per_mql_and_leaves_the_receiver_connected():
    # Transactional: the seeder's batches really commit, so their on-commit callbacks run.
    with (
        mock.patch("handoffs.tasks.handoff_for_new_mql.delay") as delay,
        mock.patch("handoffs.tasks.send_handoff_notification.delay") as notify,
    ):
        call_command("seed_demo", "--leads", "40", "--weeks", "1", "--anchor", ANCHOR, stdout=StringIO())
    assert StatusChange.objects.filter(to_status=Lead.Status.MQL).exists()
    delay.assert_not_called()
    notify.assert_not_called()  # history is not news: nobody is e-mailed about seeded hand-offs
    # After seeding, a new MQL queues its hand-off again.
    with mock.patch("handoffs.tasks.handoff_for_new_mql.delay") as delay:
        result = lead_capture(
            data={"email": "new@kestrel.de", "industry": "software", "title": "Head of Sales", "company_size": 300}
        )
    assert result.became_mql
    delay.assert_called_once_with(result.lead.pk)


@pytest.mark.parametrize("bad", [["--leads", "0"], ["--weeks", "-1"], ["--anchor", "yesterday"]])
def test_bad_options_are_refused(bad):
    with pytest.raises(CommandError):
        call_command("seed_demo", *bad, stdout=StringIO())
    assert not Lead.objects.exists()
