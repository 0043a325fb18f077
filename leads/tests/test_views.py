"""The lead pages: who may do what, the list, the detail page and its forms."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Channel
from campaigns.tests.factories import CampaignFactory
from leads.models import Activity, Lead, StatusChange, Touchpoint
from leads.tests.factories import ActivityFactory, LeadFactory, StatusChangeFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

S = Lead.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


def move(client, lead, to_status, version=None, htmx=False, **extra):
    data = {"to_status": to_status, "version": lead.version if version is None else version, **extra}
    return client.post(reverse("leads:move", args=[lead.pk]), data, **(HTMX if htmx else {}))


def log(client, lead, **data):
    payload = {"kind": "call", "subject": "Intro call", "body": "Talked budgets.", **data}
    return client.post(reverse("leads:log_activity", args=[lead.pk]), payload)


# --- Role matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["leads:list", "leads:today", "leads:create", "leads:export"])
def test_anonymous_users_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_users_are_sent_to_sign_in_from_a_lead(client):
    lead = LeadFactory()
    for url in (reverse("leads:detail", args=[lead.pk]), reverse("leads:move", args=[lead.pk])):
        assert client.get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["leads:list", "leads:today", "leads:create", "leads:export"])
def test_users_without_a_role_are_refused(client, users, name):
    client.force_login(users["norole"])
    assert client.get(reverse(name)).status_code == 403


def test_users_without_a_role_cannot_read_or_work_a_lead(client, users):
    lead = LeadFactory(status=S.SAL)
    client.force_login(users["norole"])
    assert client.get(lead.get_absolute_url()).status_code == 403
    assert move(client, lead, S.SQL).status_code == 403
    assert log(client, lead).status_code == 403


def test_a_rep_moves_and_logs_on_their_own_lead(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    page = client.get(lead.get_absolute_url()).content.decode()
    assert f'action="/leads/{lead.pk}/move/"' in page
    assert f'action="/leads/{lead.pk}/activities/"' in page
    assert move(client, lead, S.SQL).status_code == 302
    assert log(client, lead).status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == S.SQL
    assert Activity.objects.filter(lead=lead, kind="call", user=users["sales"]).exists()


def test_a_rep_gets_no_forms_and_403_on_another_reps_lead(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales2"])
    client.force_login(users["sales"])
    page = client.get(lead.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "/move/" not in html and "/activities/" not in html and "/tasks/" not in html
    assert "Only its owner or a manager moves this lead." in html
    assert move(client, lead, S.SQL).status_code == 403
    assert log(client, lead).status_code == 403
    due = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(reverse("leads:add_task", args=[lead.pk]), {"subject": "x", "due_at": due}).status_code == 403
    assert client.get(reverse("leads:merge", args=[lead.pk])).status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == S.SAL
    assert not Activity.objects.filter(lead=lead).exists()


def test_marketing_cannot_move_or_log_on_sales_leads(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["marketing"])
    html = client.get(lead.get_absolute_url()).content.decode()
    assert "/move/" not in html
    assert move(client, lead, S.SQL).status_code == 403
    assert log(client, lead).status_code == 403
    assert client.get(reverse("leads:today")).status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == S.SAL


def test_managers_move_and_log_on_any_lead(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales2"])
    client.force_login(users["managers"])
    assert move(client, lead, S.SQL).status_code == 302
    assert log(client, lead).status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == S.SQL


@pytest.mark.parametrize(("role", "sees_button", "create_status"), [("marketing", True, 200), ("managers", True, 200)])
def test_marketing_and_managers_see_new_lead(client, users, role, sees_button, create_status):
    client.force_login(users[role])
    assert ('data-testid="new-lead"' in client.get(reverse("leads:list")).content.decode()) is sees_button
    assert client.get(reverse("leads:create")).status_code == create_status


def test_sales_do_not_see_new_lead_and_cannot_create(client, users):
    client.force_login(users["sales"])
    assert 'data-testid="new-lead"' not in client.get(reverse("leads:list")).content.decode()
    assert client.post(reverse("leads:create"), {"email": "x@example.com"}).status_code == 403
    assert not Lead.objects.exists()


# --- The list ------------------------------------------------------------------------------------


def listed(response):
    return [lead.pk for lead in response.context["page"].leads]


def test_a_rep_lands_on_their_own_open_leads_and_can_see_all(client, users):
    mine_open = LeadFactory(status=S.SQL, owner=users["sales"])
    LeadFactory(status=S.WON, owner=users["sales"], deal_value=Decimal("10"))
    theirs = LeadFactory(status=S.SAL, owner=users["sales2"])
    client.force_login(users["sales"])
    response = client.get(reverse("leads:list"))
    assert listed(response) == [mine_open.pk]
    assert response.context["view"] == "mine"
    assert 'href="?view=all"' in response.content.decode()
    everything = client.get(reverse("leads:list"), {"view": "all"})
    assert set(listed(everything)) == set(Lead.objects.values_list("pk", flat=True))
    assert theirs.pk in listed(everything)


def test_managers_land_on_all_leads(client, users):
    leads = LeadFactory.create_batch(3)
    client.force_login(users["managers"])
    assert set(listed(client.get(reverse("leads:list")))) == {lead.pk for lead in leads}


def test_the_list_filters_by_status_source_campaign_owner_fit_and_dates(client, users):
    campaign = CampaignFactory(slug="spring")
    old = timezone.now() - datetime.timedelta(days=40)
    match = LeadFactory(
        status=S.SQL,
        source=Channel.EMAIL,
        first_touch_campaign=campaign,
        owner=users["sales"],
        fit=Lead.Fit.GOOD,
    )
    LeadFactory(status=S.SQL, source=Channel.EMAIL, first_touch_campaign=campaign, owner=users["sales"], created_at=old)
    LeadFactory(status=S.SAL, source=Channel.EMAIL, first_touch_campaign=campaign, owner=users["sales"])
    LeadFactory(status=S.SQL, source=Channel.PAID_SEARCH, first_touch_campaign=campaign, owner=users["sales"])
    LeadFactory(status=S.SQL, source=Channel.EMAIL, owner=users["sales"], fit=Lead.Fit.GOOD)
    LeadFactory(status=S.SQL, source=Channel.EMAIL, first_touch_campaign=campaign, owner=users["sales2"])
    client.force_login(users["managers"])
    response = client.get(
        reverse("leads:list"),
        {
            "status": "sql",
            "source": "email",
            "campaign": "spring",
            "owner": users["sales"].pk,
            "fit": "good",
            "created_after": (timezone.localdate() - datetime.timedelta(days=7)).isoformat(),
            "created_before": timezone.localdate().isoformat(),
        },
    )
    assert listed(response) == [match.pk]


def test_the_list_searches_name_email_and_company(client, users):
    by_name = LeadFactory(first_name="Ingrid", last_name="Bergman")
    by_email = LeadFactory(email="ceo@zebracorp.io")
    by_company = LeadFactory(company="Umbrella Holdings")
    LeadFactory(first_name="Other", company="Acme")
    client.force_login(users["managers"])
    assert listed(client.get(reverse("leads:list"), {"q": "ingrid berg"})) == [by_name.pk]
    assert listed(client.get(reverse("leads:list"), {"q": "zebracorp"})) == [by_email.pk]
    assert listed(client.get(reverse("leads:list"), {"q": "@zebracorp.io"})) == [by_email.pk]
    assert listed(client.get(reverse("leads:list"), {"q": "umbrella"})) == [by_company.pk]


def test_the_list_sorts_by_score(client, users):
    low, high, mid = LeadFactory(score=5), LeadFactory(score=90), LeadFactory(score=40)
    client.force_login(users["managers"])
    assert listed(client.get(reverse("leads:list"), {"ordering": "-score"})) == [high.pk, mid.pk, low.pk]
    assert listed(client.get(reverse("leads:list"), {"ordering": "score"})) == [low.pk, mid.pk, high.pk]


def test_the_list_pages_forward_and_back_without_a_count(client, users, monkeypatch):
    monkeypatch.setattr("leads.selectors.PAGE_SIZE", 2)
    base = timezone.now()
    leads = [LeadFactory(created_at=base - datetime.timedelta(minutes=i)).pk for i in range(5)]
    client.force_login(users["managers"])
    url = reverse("leads:list")
    first = client.get(url, {"view": "all"})
    assert listed(first) == leads[:2] and not first.context["page"].has_previous
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' not in first.content.decode()
    second = client.get(url, {"view": "all", "after": first.context["page"].next_cursor})
    third = client.get(url, {"view": "all", "after": second.context["page"].next_cursor})
    assert (listed(second), listed(third)) == (leads[2:4], leads[4:])
    assert not third.context["page"].has_next
    back = client.get(url, {"view": "all", "before": third.context["page"].previous_cursor})
    assert listed(back) == leads[2:4] and back.context["page"].has_previous
    assert "COUNT(" not in " ".join(q["sql"].upper() for q in connection_queries(client, url))


def connection_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url, {"view": "all"})
    return ctx.captured_queries


def test_the_list_issues_a_fixed_number_of_queries(client, users, django_assert_max_num_queries):
    campaign = CampaignFactory()
    client.force_login(users["managers"])
    LeadFactory.create_batch(5, owner=users["sales"], first_touch_campaign=campaign)
    with django_assert_max_num_queries(9) as few:
        assert client.get(reverse("leads:list")).status_code == 200
    LeadFactory.create_batch(195, owner=users["sales2"], first_touch_campaign=CampaignFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("leads:list"))
    assert len(response.context["page"].leads) == 50


def test_the_csv_export_streams_the_filtered_leads_and_defuses_formulas(client, users):
    LeadFactory(email="a@example.com", company='=HYPERLINK("http://evil")', status=S.SQL, first_name="@SUM(1)")
    LeadFactory(email="b@example.com", status=S.NEW)
    client.force_login(users["managers"])
    response = client.get(reverse("leads:export"), {"status": "sql"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,email,first_name")
    assert len(lines) == 2
    assert "a@example.com" in lines[1] and "b@example.com" not in body
    assert "'@SUM(1)" in lines[1]
    assert '"\'=HYPERLINK(""http://evil"")"' in lines[1]


# --- Create -------------------------------------------------------------------------------------


def test_creating_a_lead_captures_it_by_hand(client, users):
    campaign = CampaignFactory(slug="fair")
    client.force_login(users["marketing"])
    response = client.post(
        reverse("leads:create"),
        {"email": "New.Person@Example.com", "first_name": "New", "company": "Initech", "campaign": "fair"},
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    assert (lead.email, lead.company, lead.first_touch_campaign) == ("new.person@example.com", "Initech", campaign)
    touch = Touchpoint.objects.get(lead=lead)
    assert (touch.kind, touch.recorded_by) == (Touchpoint.Kind.MANUAL, users["marketing"])


def test_creating_a_known_email_links_to_the_existing_lead(client, users):
    existing = LeadFactory(email="known@example.com", first_name="Known")
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:create"), {"email": "KNOWN@example.com"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{existing.get_absolute_url()}"' in html and "already exists" in html
    assert Lead.objects.count() == 1
    assert not Touchpoint.objects.exists()


def test_creating_with_a_bad_email_shows_the_field_error(client, users):
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:create"), {"email": "not-an-email", "country": "Germany"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"email", "country"}
    assert not Lead.objects.exists()


# --- Detail and its forms -------------------------------------------------------------------------


def test_the_detail_shows_the_lead_at_a_glance(client, users):
    first, last = CampaignFactory(name="Spring webinar"), CampaignFactory(name="Autumn ads")
    lead = LeadFactory(
        status=S.SQL,
        score=72,
        fit=Lead.Fit.GOOD,
        owner=users["sales"],
        first_touch_campaign=first,
        last_touch_campaign=last,
        source=Channel.WEBINAR,
        company="<b>Evil</b> Corp",
    )
    client.force_login(users["marketing"])
    html = client.get(lead.get_absolute_url()).content.decode()
    for text in ("SQL", "72", "Good", "sid", "Webinar", "Spring webinar", "Autumn ads"):
        assert text in html
    assert "&lt;b&gt;Evil&lt;/b&gt; Corp" in html and "<b>Evil</b>" not in html


def test_the_detail_issues_a_fixed_number_of_queries(client, users, django_assert_max_num_queries):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["managers"])

    def add(n):
        for _ in range(n):
            TouchpointFactory(lead=lead, campaign=CampaignFactory(), recorded_by=users["marketing"])
            StatusChangeFactory(lead=lead, changed_by=users["sales"])
            ActivityFactory(lead=lead, user=users["sales"])
            Activity.objects.create(
                lead=lead,
                kind="task",
                subject="t",
                user=users["sales"],
                assignee=users["sales"],
                due_at=timezone.now(),
                done_at=None,
            )

    add(2)
    with django_assert_max_num_queries(20) as few:
        assert client.get(lead.get_absolute_url()).status_code == 200
    add(68)  # 70 touchpoints, status changes and activities, and 70 open tasks
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(lead.get_absolute_url())
    assert len(response.context["timeline"].entries) == 200
    assert len(response.context["tasks"]) == 70
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(lead.get_absolute_url(), {"timeline": "all"})
    assert len(response.context["timeline"].entries) == 210


def test_the_timeline_shows_the_latest_200_with_a_link_to_all(client, users):
    lead = LeadFactory()
    base = timezone.now()
    Activity.objects.bulk_create(
        Activity(lead=lead, kind="note", subject=f"n{i}", occurred_at=base - datetime.timedelta(minutes=i))
        for i in range(205)
    )
    client.force_login(users["marketing"])
    response = client.get(lead.get_absolute_url())
    timeline = response.context["timeline"]
    assert len(timeline.entries) == 200 and timeline.truncated
    assert timeline.entries[0].title == "Note: n0" and timeline.entries[-1].title == "Note: n199"
    assert 'data-testid="timeline-all"' in response.content.decode()
    assert len(client.get(lead.get_absolute_url(), {"timeline": "all"}).context["timeline"].entries) == 205


def test_only_the_allowed_next_statuses_are_offered(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    form = client.get(lead.get_absolute_url()).context["transition_form"]
    assert [value for value, _ in form.fields["to_status"].choices] == ["", "sql", "lost", "recycled", "disqualified"]


def test_a_status_not_allowed_next_is_refused_with_a_field_error(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = move(client, lead, S.WON, deal_value="100")
    assert response.status_code == 200
    assert "to_status" in response.context["transition_form"].errors
    assert Lead.objects.get(pk=lead.pk).status == S.SAL
    assert not StatusChange.objects.exists()


def test_an_mql_is_moved_by_its_hand_off_not_here(client, users):
    lead = LeadFactory(status=S.MQL)
    client.force_login(users["managers"])
    assert "Waiting for sales to accept or reject the hand-off." in client.get(lead.get_absolute_url()).content.decode()
    response = move(client, lead, S.SAL)
    assert "to_status" in response.context["transition_form"].errors
    assert Lead.objects.get(pk=lead.pk).status == S.MQL


def test_winning_through_the_page_needs_a_deal_value(client, users):
    lead = LeadFactory(status=S.SQL, owner=users["sales"])
    client.force_login(users["sales"])
    response = move(client, lead, S.WON, deal_value="")
    assert response.context["transition_form"].errors["deal_value"] == ["A won lead needs a deal value above zero."]
    assert Lead.objects.get(pk=lead.pk).status == S.SQL
    response = move(client, lead, S.WON, deal_value="0")
    assert "deal_value" in response.context["transition_form"].errors
    assert move(client, lead, S.WON, deal_value="4200.50").status_code == 302
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status, fresh.deal_value) == (S.WON, Decimal("4200.50"))


def test_losing_through_the_page_needs_a_reason(client, users):
    lead = LeadFactory(status=S.SQL, owner=users["sales"])
    client.force_login(users["sales"])
    response = move(client, lead, S.LOST)
    assert response.context["transition_form"].errors["lost_reason"] == ["Say why the lead was lost."]
    assert move(client, lead, S.LOST, lost_reason="competitor", note="Went with X").status_code == 302
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status, fresh.lost_reason) == (S.LOST, "competitor")
    assert StatusChange.objects.get(lead=lead).note == "Went with X"


def test_a_stale_move_changes_nothing_and_shows_the_fresh_state(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    seen_version = lead.version
    from leads.services import lead_transition

    lead_transition(lead=Lead.objects.get(pk=lead.pk), to_status=S.SQL, actor=users["managers"])
    response = move(client, lead, S.LOST, version=seen_version, lost_reason="price")
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this lead" in html
    assert response.context["lead"].status == S.SQL
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status, fresh.version, fresh.lost_reason) == (S.SQL, seen_version + 1, "")
    assert StatusChange.objects.filter(lead=lead).count() == 1


def test_a_stale_move_over_htmx_answers_409_with_the_fresh_partials(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = move(client, lead, S.SQL, version=lead.version + 5, htmx=True)
    html = response.content.decode()
    assert response.status_code == 409
    assert "<html" not in html
    assert 'id="lead-status"' in html and 'id="lead-timeline"' in html and 'hx-swap-oob="true"' in html
    assert "Someone else changed this lead" in html
    assert Lead.objects.get(pk=lead.pk).status == S.SAL


def test_a_move_over_htmx_answers_with_the_refreshed_partials(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = move(client, lead, S.SQL, htmx=True, note="Budget confirmed")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.index('id="lead-status"') < html.index('id="lead-summary"')
    assert 'name="version" value="2"' in html
    assert "SAL (accepted) → SQL" in html and "Budget confirmed" in html
    assert Lead.objects.get(pk=lead.pk).status == S.SQL


def test_an_invalid_move_over_htmx_answers_with_the_form_and_its_errors(client, users):
    lead = LeadFactory(status=S.SQL, owner=users["sales"])
    client.force_login(users["sales"])
    response = move(client, lead, S.WON, htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lead-status"' in html and 'id="lead-timeline"' not in html
    assert "A won lead needs a deal value above zero." in html


def test_logging_a_call_with_the_source_the_buyer_names(client, users):
    campaign = CampaignFactory(slug="podcast", channel=Channel.CONTENT)
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = log(
        client, lead, reported_channel="", reported_campaign="podcast", reported_note="Heard us on a podcast"
    )
    assert response.status_code == 302
    call = Activity.objects.get(lead=lead)
    assert (call.kind, call.user, call.body) == ("call", users["sales"], "Talked budgets.")
    touch = Touchpoint.objects.get(lead=lead)
    assert (touch.kind, touch.channel, touch.campaign, touch.recorded_by, touch.note) == (
        Touchpoint.Kind.SALES_REPORTED,
        Channel.CONTENT,
        campaign,
        users["sales"],
        "Heard us on a podcast",
    )
    html = client.get(lead.get_absolute_url()).content.decode()
    assert "Call: Intro call" in html and "Buyer named" in html


def test_logging_nothing_shows_an_error_and_writes_nothing(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = client.post(
        reverse("leads:log_activity", args=[lead.pk]), {"kind": "call", "subject": "", "body": ""}, **HTMX
    )
    assert response.status_code == 200
    assert "Say what happened." in response.content.decode()
    assert not Activity.objects.exists()


def test_logging_over_htmx_refreshes_the_form_and_the_timeline(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = client.post(
        reverse("leads:log_activity", args=[lead.pk]), {"kind": "meeting", "subject": "Demo"}, **HTMX
    )
    html = response.content.decode()
    assert html.index('id="lead-activity"') < html.index('id="lead-timeline"')
    assert "Meeting: Demo" in html and "Meeting logged." in html


# --- Edit ------------------------------------------------------------------------------------------


def edit_data(lead, **changes):
    data = {name: getattr(lead, name) or "" for name in ("email", "first_name", "last_name", "company", "title")}
    return {**data, "version": lead.version, **changes}


def test_the_owner_edits_the_profile(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = client.post(reverse("leads:edit", args=[lead.pk]), edit_data(lead, title="CTO", country="de"))
    assert response.status_code == 302
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.title, fresh.country, fresh.version) == ("CTO", "DE", lead.version + 1)


def test_marketing_edits_profiles_and_other_reps_may_not(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales2"])
    assert client.get(reverse("leads:edit", args=[lead.pk])).status_code == 403
    client.force_login(users["marketing"])
    assert client.post(reverse("leads:edit", args=[lead.pk]), edit_data(lead, company="Globex")).status_code == 302
    assert Lead.objects.get(pk=lead.pk).company == "Globex"


def test_a_stale_edit_changes_nothing_and_shows_the_fresh_values(client, users):
    lead = LeadFactory(status=S.SAL, owner=users["sales"], company="Before")
    client.force_login(users["sales"])
    stale = edit_data(lead, company="Mine")
    Lead.objects.filter(pk=lead.pk).update(company="Theirs", version=lead.version + 1)
    response = client.post(reverse("leads:edit", args=[lead.pk]), stale)
    assert response.status_code == 409
    assert "Someone else changed this lead" in response.content.decode()
    assert response.context["form"].initial["company"] == "Theirs"
    assert Lead.objects.get(pk=lead.pk).company == "Theirs"


def test_an_edit_to_another_leads_email_shows_the_field_error(client, users):
    LeadFactory(email="taken@example.com")
    lead = LeadFactory(status=S.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = client.post(reverse("leads:edit", args=[lead.pk]), edit_data(lead, email="taken@example.com"))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Another lead already has this e-mail address."]


def test_the_navigation_marks_only_the_most_specific_page(client, users):
    client.force_login(users["sales"])
    items = {item["label"]: item["active"] for item in client.get(reverse("leads:today")).context["nav_items"]}
    assert items["Today"] is True and items["Leads"] is False
    items = {item["label"]: item["active"] for item in client.get(reverse("leads:list")).context["nav_items"]}
    assert items["Leads"] is True and items["Today"] is False


def test_bad_filter_values_show_errors_not_500(client, users):
    LeadFactory()
    client.force_login(users["managers"])
    bad = {"created_after": "yesterday", "campaign": "no-such", "owner": "abc", "status": "zombie", "after": "%%%"}
    response = client.get(reverse("leads:list"), bad)
    assert response.status_code == 200
    assert {"created_after", "campaign", "owner", "status"} <= set(response.context["filter"].form.errors)
    assert client.get(reverse("leads:export"), bad).status_code == 200
