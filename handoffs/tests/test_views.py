"""The hand-off pages: inbox, answering, assigning, handing off, rep settings and the pipeline board."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory
from handoffs.models import Handoff, SalesRep
from handoffs.services import handoff_accept, handoff_create
from leads.models import Lead, StatusChange
from leads.tests.factories import LeadFactory, TouchpointFactory

# These tests assume the 24-hour clocks of the original service level.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("round_the_clock")]

S = Lead.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


def pending_for(rep, marketer, **lead_fields):
    lead = LeadFactory(status=S.MQL, **lead_fields)
    return handoff_create(lead=lead, actor=marketer, context_note="Asked for a demo twice.", assignee=rep)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- role matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["handoffs:inbox", "handoffs:pipeline", "handoffs:reps", "handoffs:create", "handoffs:export"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_answers_are_sent_to_sign_in_and_change_nothing(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    response = client.post(reverse("handoffs:accept", args=[handoff.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Handoff.objects.get(pk=handoff.pk).outcome == Handoff.Outcome.PENDING


@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        ("marketing", "handoffs:inbox", 200),
        ("sales", "handoffs:inbox", 200),
        ("managers", "handoffs:inbox", 200),
        ("norole", "handoffs:inbox", 403),
        ("marketing", "handoffs:pipeline", 403),
        ("sales", "handoffs:pipeline", 200),
        ("managers", "handoffs:pipeline", 200),
        ("marketing", "handoffs:reps", 403),
        ("sales", "handoffs:reps", 403),
        ("managers", "handoffs:reps", 200),
        ("marketing", "handoffs:create", 200),
        ("sales", "handoffs:create", 403),
        ("managers", "handoffs:create", 200),
        ("marketing", "handoffs:export", 200),
    ],
)
def test_pages_answer_each_role(client, users, role, url_name, status):
    client.force_login(users[role])
    assert client.get(reverse(url_name)).status_code == status


def test_a_rep_accepts_their_own_hand_off(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    client.force_login(users["sales"])
    response = client.post(reverse("handoffs:accept", args=[handoff.pk]))
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.outcome == Handoff.Outcome.ACCEPTED
    lead = Lead.objects.get(pk=handoff.lead_id)
    assert (lead.status, lead.owner) == (S.SAL, users["sales"])


def test_a_rep_cannot_answer_another_reps_hand_off(client, users):
    handoff = pending_for(users["sales2"], users["marketing"])
    client.force_login(users["sales"])
    assert client.post(reverse("handoffs:accept", args=[handoff.pk])).status_code == 403
    rejected = client.post(
        reverse("handoffs:reject", args=[handoff.pk]), {"reason": "no_budget", "feedback": "No money."}
    )
    assert rejected.status_code == 403
    assert Handoff.objects.get(pk=handoff.pk).outcome == Handoff.Outcome.PENDING
    assert Lead.objects.get(pk=handoff.lead_id).status == S.MQL


def test_marketing_cannot_accept_or_reject(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    client.force_login(users["marketing"])
    assert client.post(reverse("handoffs:accept", args=[handoff.pk])).status_code == 403
    assert (
        client.post(reverse("handoffs:reject", args=[handoff.pk]), {"reason": "other", "feedback": "x"}).status_code
        == 403
    )
    assert (
        client.post(reverse("handoffs:assign", args=[handoff.pk]), {"assignee": users["sales2"].pk}).status_code == 403
    )
    assert Handoff.objects.get(pk=handoff.pk).outcome == Handoff.Outcome.PENDING


def test_marketing_reads_the_inbox_without_action_buttons(client, users):
    handoff = pending_for(users["sales"], users["marketing"], first_name="Ada", last_name="Byron")
    client.force_login(users["marketing"])
    html = client.get(reverse("handoffs:inbox")).content.decode()
    assert "Ada Byron" in html
    assert reverse("handoffs:accept", args=[handoff.pk]) not in html
    assert reverse("handoffs:reject", args=[handoff.pk]) not in html
    assert reverse("handoffs:assign", args=[handoff.pk]) not in html


def test_managers_answer_anyones_hand_off_and_assign(client, users):
    first = pending_for(users["sales"], users["marketing"])
    second = pending_for(users["sales2"], users["marketing"])
    client.force_login(users["managers"])
    client.post(reverse("handoffs:accept", args=[first.pk]))
    client.post(reverse("handoffs:assign", args=[second.pk]), {"assignee": users["sales"].pk})
    assert Handoff.objects.get(pk=first.pk).outcome == Handoff.Outcome.ACCEPTED
    # The lead goes to the rep it was assigned to, not to the manager who accepted.
    assert Lead.objects.get(pk=first.lead_id).owner == users["sales"]
    assert Handoff.objects.get(pk=second.pk).assigned_to == users["sales"]


def test_sales_cannot_move_another_reps_lead_nor_marketing_any(client, users):
    theirs = LeadFactory(status=S.SAL, owner=users["sales2"])
    client.force_login(users["sales"])
    url = reverse("handoffs:pipeline_move", args=[theirs.pk])
    assert client.post(url, {"to_status": S.SQL, "version": theirs.version}).status_code == 403
    client.force_login(users["marketing"])
    assert client.post(url, {"to_status": S.SQL, "version": theirs.version}).status_code == 403
    assert Lead.objects.get(pk=theirs.pk).status == S.SAL


# --- inbox -----------------------------------------------------------------------------------------


def test_the_inbox_shows_a_reps_pending_hand_offs_with_the_lead_summary(client, users):
    campaign = CampaignFactory(name="Spring webinar")
    handoff = pending_for(
        users["sales"],
        users["marketing"],
        first_name="Grace",
        last_name="Hopper",
        company="Navy Labs",
        title="Head of Engineering",
        score=72,
        fit=Lead.Fit.GOOD,
        first_touch_campaign=campaign,
    )
    TouchpointFactory.create_batch(2, lead=handoff.lead)
    TouchpointFactory(lead=handoff.lead, occurred_at=timezone.now() - datetime.timedelta(days=60))
    pending_for(users["sales2"], users["marketing"], first_name="Not", last_name="Mine")
    client.force_login(users["sales"])
    response = client.get(reverse("handoffs:inbox"))
    html = response.content.decode()
    assert [h.pk for h in response.context["pending"]] == [handoff.pk]
    for text in ("Grace Hopper", "Navy Labs", "Head of Engineering", "Spring webinar", "72", "Good fit"):
        assert text in html
    assert "2 in the last 30 days" in html
    assert "Asked for a demo twice." in html
    assert "24 h left" in html
    assert "Not Mine" not in html


def test_an_overdue_hand_off_shows_how_late_it_is_in_red(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    Handoff.objects.filter(pk=handoff.pk).update(
        accept_deadline=timezone.now() - datetime.timedelta(hours=3, minutes=1)
    )
    client.force_login(users["sales"])
    html = client.get(reverse("handoffs:inbox")).content.decode()
    assert "overdue by 3 h 1 min" in html
    assert "text-bg-danger sla-clock" in html or "sla-clock text-bg-danger" in html


def test_user_text_is_escaped(client, users):
    lead = LeadFactory(status=S.MQL, first_name="<script>alert(1)</script>")
    handoff_create(lead=lead, actor=users["marketing"], context_note="<b>bold</b>", assignee=users["sales"])
    client.force_login(users["sales"])
    html = client.get(reverse("handoffs:inbox")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_answered_hand_offs_of_the_last_14_days_are_listed_below(client, users):
    recent = pending_for(users["sales"], users["marketing"], first_name="Recent")
    handoff_accept(handoff=recent, actor=users["sales"])
    old = pending_for(users["sales"], users["marketing"], first_name="Ancient")
    handoff_accept(handoff=old, actor=users["sales"], at=timezone.now() - datetime.timedelta(days=15))
    client.force_login(users["sales"])
    response = client.get(reverse("handoffs:inbox"))
    assert [h.pk for h in response.context["answered_page"]] == [recent.pk]


def test_a_busy_reps_answered_hand_offs_come_a_page_at_a_time(client, users, monkeypatch):
    monkeypatch.setattr("handoffs.views.PAGE_SIZE", 2)
    answered = []
    for n in range(3):
        handoff = pending_for(users["sales"], users["marketing"], first_name=f"Answered{n}")
        handoff_accept(handoff=handoff, actor=users["sales"], at=timezone.now() - datetime.timedelta(hours=3 - n))
        answered.append(handoff.pk)
    client.force_login(users["sales"])
    first = client.get(reverse("handoffs:inbox"))
    second = client.get(reverse("handoffs:inbox"), {"apage": 2})
    assert [h.pk for h in first.context["answered_page"]] == answered[:0:-1]  # newest first
    assert [h.pk for h in second.context["answered_page"]] == answered[:1]
    assert "Page 1 of 2" in first.content.decode()


def test_accepting_with_htmx_swaps_the_card_and_updates_the_count(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    pending_for(users["sales"], users["marketing"])
    client.force_login(users["sales"])
    response = client.post(reverse("handoffs:accept", args=[handoff.pk]), {"scope": "mine"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="answered-handoff"' in html and "Accepted" in html
    assert 'id="pending-count" hx-swap-oob="true"' in html and ">1</span>" in html
    assert Lead.objects.get(pk=handoff.lead_id).status == S.SAL


def test_accepting_twice_is_refused_with_a_message(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    client.force_login(users["sales"])
    client.post(reverse("handoffs:accept", args=[handoff.pk]))
    response = client.post(reverse("handoffs:accept", args=[handoff.pk]), follow=True)
    assert any("already accepted" in m for m in messages_of(response))
    assert StatusChange.objects.filter(lead_id=handoff.lead_id, to_status=S.SAL).count() == 1


def test_rejecting_without_reason_or_feedback_is_refused_with_field_errors(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    client.force_login(users["sales"])
    response = client.post(reverse("handoffs:reject", args=[handoff.pk]), {"reason": "", "feedback": "  "})
    html = response.content.decode()
    assert response.status_code == 200
    assert any("was not rejected" in m for m in messages_of(response))
    assert "Choose why the lead is rejected." in html
    assert "Tell marketing what was wrong with this lead." in html
    assert Handoff.objects.get(pk=handoff.pk).outcome == Handoff.Outcome.PENDING
    assert Lead.objects.get(pk=handoff.lead_id).status == S.MQL


def test_rejecting_without_reason_over_htmx_reopens_the_form_with_errors(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    client.force_login(users["sales"])
    response = client.post(
        reverse("handoffs:reject", args=[handoff.pk]), {"reason": "", "feedback": "Wrong size."}, **HTMX
    )
    html = response.content.decode()
    assert 'data-testid="messages"' in html and "was not rejected" in html
    assert '<details class="reject-box" open>' in html
    assert "Choose why the lead is rejected." in html and "Wrong size." in html
    assert Handoff.objects.get(pk=handoff.pk).outcome == Handoff.Outcome.PENDING


@pytest.mark.parametrize(("reason", "lead_status"), [("not_ready", S.RECYCLED), ("no_budget", S.DISQUALIFIED)])
def test_rejecting_with_reason_and_feedback_records_both(client, users, reason, lead_status):
    handoff = pending_for(users["sales"], users["marketing"])
    client.force_login(users["sales"])
    response = client.post(
        reverse("handoffs:reject", args=[handoff.pk]), {"reason": reason, "feedback": "Call back in Q3."}
    )
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert (handoff.outcome, handoff.reject_reason, handoff.feedback) == ("rejected", reason, "Call back in Q3.")
    assert Lead.objects.get(pk=handoff.lead_id).status == lead_status


def test_managers_see_every_hand_off_filtered_by_rep_outcome_and_overdue(client, users):
    mine = pending_for(users["sales"], users["marketing"])
    late = pending_for(users["sales2"], users["marketing"])
    Handoff.objects.filter(pk=late.pk).update(accept_deadline=timezone.now() - datetime.timedelta(hours=1))
    done = pending_for(users["sales2"], users["marketing"])
    handoff_accept(handoff=done, actor=users["sales2"])
    client.force_login(users["managers"])
    inbox = reverse("handoffs:inbox")

    everything = client.get(inbox).context
    assert {h.pk for h in everything["pending_page"]} == {mine.pk, late.pk}
    assert [h.pk for h in everything["answered_page"]] == [done.pk]

    by_rep = client.get(inbox, {"rep": users["sales2"].pk}).context
    assert [h.pk for h in by_rep["pending_page"]] == [late.pk]
    overdue = client.get(inbox, {"overdue": "on"}).context
    assert [h.pk for h in overdue["pending_page"]] == [late.pk]
    assert list(overdue["answered_page"]) == []
    accepted = client.get(inbox, {"outcome": "accepted"}).context
    assert list(accepted["pending_page"]) == [] and [h.pk for h in accepted["answered_page"]] == [done.pk]


def test_managers_see_the_unassigned_queue_and_each_reps_load(client, users, settings):
    from handoffs.models import ServiceLevel

    level = ServiceLevel.current()
    level.default_rep_capacity = 4
    level.save()
    pending_for(users["sales"], users["marketing"])
    LeadFactory(status=S.SAL, owner=users["sales"])
    queued = handoff_create(lead=LeadFactory(status=S.MQL), actor=users["marketing"])
    Handoff.objects.filter(pk=queued.pk).update(assigned_to=None, over_capacity=True)
    client.force_login(users["managers"])
    response = client.get(reverse("handoffs:inbox"))
    assert [h.pk for h in response.context["unassigned"]] == [queued.pk]
    loads = {
        row.user.username: (row.open_leads, row.pending, row.capacity, row.percent) for row in response.context["loads"]
    }
    assert loads["sid"] == (1, 1, 4, 50)
    assert 'aria-valuenow="50"' in response.content.decode()


def test_assigning_from_the_queue_gives_the_hand_off_to_the_rep(client, users):
    queued = handoff_create(lead=LeadFactory(status=S.MQL), actor=users["marketing"])
    Handoff.objects.filter(pk=queued.pk).update(assigned_to=None, over_capacity=True)
    client.force_login(users["managers"])
    response = client.post(reverse("handoffs:assign", args=[queued.pk]), {"assignee": users["sales2"].pk}, follow=True)
    queued.refresh_from_db()
    assert (queued.assigned_to, queued.over_capacity) == (users["sales2"], False)
    assert any("assigned to" in m for m in messages_of(response))


def test_assigning_to_someone_outside_sales_is_refused(client, users):
    handoff = pending_for(users["sales"], users["marketing"])
    client.force_login(users["managers"])
    response = client.post(
        reverse("handoffs:assign", args=[handoff.pk]), {"assignee": users["marketing"].pk}, follow=True
    )
    assert any("active sales rep" in m for m in messages_of(response))
    assert Handoff.objects.get(pk=handoff.pk).assigned_to == users["sales"]


def test_the_csv_export_lists_the_filtered_hand_offs_and_defuses_formulas(client, users):
    handoff = pending_for(users["sales"], users["marketing"], first_name="=HYPERLINK(1)")
    client.force_login(users["marketing"])
    response = client.get(reverse("handoffs:export"), {"rep": users["sales"].pk})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0].startswith("id,lead,email")
    assert f"{handoff.pk},'=HYPERLINK(1) Lead," in body


# --- hand off to sales ----------------------------------------------------------------------------


def test_marketing_hands_a_lead_to_sales_with_a_note(client, users):
    lead = LeadFactory(status=S.NEW, first_name="Linus")
    client.force_login(users["marketing"])
    page = client.get(reverse("handoffs:create"), {"lead": lead.pk})
    assert "Linus" in page.content.decode()
    response = client.post(
        reverse("handoffs:create") + f"?lead={lead.pk}", {"lead": lead.pk, "context_note": "Downloaded the guide."}
    )
    assert response.status_code == 302
    handoff = Handoff.objects.get(lead=lead)
    assert (handoff.context_note, handoff.created_by) == ("Downloaded the guide.", users["marketing"])
    assert handoff.assigned_to in (users["sales"], users["sales2"])
    assert Lead.objects.get(pk=lead.pk).status == S.MQL


def test_handing_off_a_lead_twice_or_a_won_lead_is_refused_with_a_message(client, users):
    pending = pending_for(users["sales"], users["marketing"])
    won = LeadFactory(status=S.WON, deal_value=Decimal("10"))
    client.force_login(users["marketing"])
    again = client.post(reverse("handoffs:create"), {"lead": pending.lead_id, "context_note": ""})
    assert any("already has a hand-off" in m for m in messages_of(again))
    closed = client.post(reverse("handoffs:create"), {"lead": won.pk, "context_note": ""})
    assert any("only new, recycled or MQL leads" in m for m in messages_of(closed))
    missing = client.post(reverse("handoffs:create"), {"lead": 999999, "context_note": ""})
    assert "There is no lead with this id." in missing.content.decode()
    assert Handoff.objects.count() == 1


# --- rep settings ---------------------------------------------------------------------------------


def test_managers_pause_a_rep_and_set_their_capacity(client, users):
    client.force_login(users["managers"])
    page = client.get(reverse("handoffs:reps"))
    assert [row.user.username for row in page.context["rows"]] == ["sid", "sue"]
    response = client.post(reverse("handoffs:rep_update", args=[users["sales"].pk]), {"capacity": "7"})
    assert response.status_code == 302
    rep = SalesRep.objects.get(user=users["sales"])
    assert (rep.accepting, rep.capacity) == (False, 7)
    client.post(reverse("handoffs:rep_update", args=[users["sales"].pk]), {"accepting": "on", "capacity": ""})
    rep.refresh_from_db()
    assert (rep.accepting, rep.capacity) == (True, None)


def test_a_negative_capacity_is_refused_with_a_field_error(client, users):
    client.force_login(users["managers"])
    response = client.post(reverse("handoffs:rep_update", args=[users["sales"].pk]), {"capacity": "-3"})
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert not SalesRep.objects.filter(user=users["sales"], capacity=-3).exists()


def test_settings_exist_only_for_sales_reps(client, users):
    client.force_login(users["managers"])
    assert (
        client.post(reverse("handoffs:rep_update", args=[users["marketing"].pk]), {"capacity": "3"}).status_code == 404
    )


# --- pipeline -------------------------------------------------------------------------------------


def test_the_board_shows_a_reps_own_leads_in_columns_with_totals(client, users):
    now = timezone.now()
    LeadFactory(
        status=S.SAL, owner=users["sales"], first_name="Sal", status_changed_at=now - datetime.timedelta(days=3)
    )
    LeadFactory(status=S.SQL, owner=users["sales"], deal_value=Decimal("500"))
    LeadFactory(status=S.WON, owner=users["sales"], deal_value=Decimal("1200"))
    LeadFactory(
        status=S.WON,
        owner=users["sales"],
        deal_value=Decimal("99"),
        status_changed_at=now - datetime.timedelta(days=31),
    )
    LeadFactory(status=S.SAL, owner=users["sales2"], first_name="Otto", last_name="Elsewhere")
    client.force_login(users["sales"])
    response = client.get(reverse("handoffs:pipeline"))
    columns = {c.status: c for c in response.context["columns"]}
    assert {s: columns[s].count for s in columns} == {"sal": 1, "sql": 1, "won": 1, "lost": 0}
    assert columns["won"].total == Decimal("1200")
    assert columns["sal"].cards[0].days_in_stage == 3
    html = response.content.decode()
    assert "Sal Lead" in html and "Otto Elsewhere" not in html
    assert "1,200 in deal value" in html and "500 in deal value" in html
    # Open leads get their value when won: an empty column says so rather than "0 in deal value".
    totals = [part.split("</div>")[0] for part in html.split('data-testid="column-total">')[1:]]
    assert totals == ["value set when won", "500 in deal value", "1,200 in deal value", "&nbsp;"]


def test_managers_see_anyones_board_and_filter_by_rep(client, users):
    LeadFactory(status=S.SAL, owner=users["sales"])
    LeadFactory(status=S.SAL, owner=users["sales2"])
    client.force_login(users["managers"])
    assert client.get(reverse("handoffs:pipeline")).context["columns"][0].count == 2
    filtered = client.get(reverse("handoffs:pipeline"), {"rep": users["sales2"].pk}).context
    assert filtered["columns"][0].count == 1 and filtered["owner"] == users["sales2"]


def test_moving_a_card_goes_through_the_lifecycle(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = client.post(
        reverse("handoffs:pipeline_move", args=[lead.pk]), {"to_status": S.SQL, "version": lead.version}, **HTMX
    )
    assert response.status_code == 200 and 'id="board"' in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == S.SQL
    assert StatusChange.objects.get(lead=lead).changed_by == users["sales"]


def test_won_needs_a_deal_value_and_lost_a_reason(client, users):
    lead = LeadFactory(status=S.SQL, owner=users["sales"])
    client.force_login(users["sales"])
    url = reverse("handoffs:pipeline_move", args=[lead.pk])
    no_value = client.post(url, {"to_status": S.WON, "version": lead.version})
    assert "A won lead needs a deal value above zero." in no_value.content.decode()
    no_reason = client.post(url, {"to_status": S.LOST, "version": lead.version})
    assert "Say why the lead was lost." in no_reason.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == S.SQL
    client.post(url, {"to_status": S.WON, "version": lead.version, "deal_value": "2500.00"})
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status, fresh.deal_value) == (S.WON, Decimal("2500.00"))


def test_an_illegal_move_is_refused_with_a_message(client, users):
    lead = LeadFactory(status=S.SQL, owner=users["sales"])
    client.force_login(users["sales"])
    response = client.post(
        reverse("handoffs:pipeline_move", args=[lead.pk]), {"to_status": S.SAL, "version": lead.version}, follow=True
    )
    assert any("cannot move from SQL to SAL" in m for m in messages_of(response))
    assert Lead.objects.get(pk=lead.pk).status == S.SQL


def test_a_stale_move_is_refused(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    stale_version = lead.version
    Lead.objects.filter(pk=lead.pk).update(version=stale_version + 1)
    client.force_login(users["sales"])
    response = client.post(
        reverse("handoffs:pipeline_move", args=[lead.pk]), {"to_status": S.SQL, "version": stale_version}, **HTMX
    )
    assert "Someone else changed this lead" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == S.SAL


# --- query counts ---------------------------------------------------------------------------------


def _fill_inbox(users, n):
    campaign = CampaignFactory()
    for _ in range(n):
        handoff = pending_for(users["sales"], users["marketing"], first_touch_campaign=campaign)
        TouchpointFactory(lead=handoff.lead, campaign=campaign)
    for _ in range(n):
        handoff_accept(handoff=pending_for(users["sales"], users["marketing"]), actor=users["sales"])


def _queries(client, django_assert_max_num_queries, url, limit, data=None):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url, data or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["sales", "managers"])
def test_the_inbox_costs_the_same_queries_for_3_or_30_hand_offs(client, users, django_assert_max_num_queries, role):
    client.force_login(users[role])
    url = reverse("handoffs:inbox")
    _fill_inbox(users, 3)
    few = _queries(client, django_assert_max_num_queries, url, 15)
    _fill_inbox(users, 27)
    many = _queries(client, django_assert_max_num_queries, url, 15)
    assert many == few


def test_the_board_costs_the_same_queries_for_3_or_30_cards(client, users, django_assert_max_num_queries):
    client.force_login(users["managers"])
    url = reverse("handoffs:pipeline")

    def fill(n):
        for i in range(n):
            status = (S.SAL, S.SQL, S.WON, S.LOST)[i % 4]
            LeadFactory(
                status=status,
                owner=users["sales"],
                deal_value=Decimal("100") if status == S.WON else None,
                lost_reason="price" if status == S.LOST else "",
            )

    fill(3)
    few = _queries(client, django_assert_max_num_queries, url, 12)
    fill(27)
    many = _queries(client, django_assert_max_num_queries, url, 12)
    assert many == few


# --- navigation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        ("marketing", ["Hand-offs"]),
        ("sales", ["Hand-offs", "Pipeline"]),
        ("managers", ["Hand-offs", "Pipeline", "Reps"]),
    ],
)
def test_each_role_sees_its_hand_off_pages_in_the_navigation(client, users, role, labels):
    client.force_login(users[role])
    nav = client.get(reverse("handoffs:inbox")).context["nav_items"]
    assert [item["label"] for item in nav if item["label"] in {"Hand-offs", "Pipeline", "Reps"}] == labels


def test_only_the_current_page_is_marked_in_the_navigation(client, users):
    client.force_login(users["managers"])
    nav = client.get(reverse("handoffs:pipeline")).context["nav_items"]
    assert [item["label"] for item in nav if item["active"]] == ["Pipeline"]
