"""The inbox's poll in both scopes: a rep's own hand-offs, and the team view's, as each role's page shows them."""

import html
import re

import pytest
from django.urls import reverse

from handoffs.services import handoff_create, sales_rep_update
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

POLL = re.compile(r'id="inbox-poll" hx-get="([^"]+)"')
CARD = re.compile(r'id="handoff-(\d+)" data-testid="pending-handoff"')


def _hand_off(users, assignee, first_name):
    lead = LeadFactory(status=Lead.Status.MQL, first_name=first_name)
    return handoff_create(lead=lead, actor=users["marketing"], assignee=assignee, notify=False)


def _poll_url(page):
    found = POLL.search(page)
    assert found, "the page carries no poll"
    return html.unescape(found.group(1))


def _cards(page):
    return {int(pk) for pk in CARD.findall(page)}


def _new_three(users):
    """One new pending hand-off for each rep and one nobody had room for."""
    created = {
        "sales": _hand_off(users, users["sales"], "Sids").pk,
        "sales2": _hand_off(users, users["sales2"], "Sues").pk,
    }
    for rep in ("sales", "sales2"):
        sales_rep_update(user=users[rep], actor=users["managers"], accepting=False, capacity=None)
    created["unassigned"] = _hand_off(users, None, "Nobodys").pk
    return created


# What each role's page of each scope shows of the three: the poll must bring exactly that.
EXPECTED = {
    ("sales", "mine"): {"sales"},
    ("sales2", "mine"): {"sales2"},
    ("marketing", "mine"): set(),
    ("managers", "mine"): set(),
    ("sales", "team"): {"sales", "sales2", "unassigned"},
    ("marketing", "team"): {"sales", "sales2", "unassigned"},
    ("managers", "team"): {"sales", "sales2", "unassigned"},
}


@pytest.mark.parametrize(("role", "scope"), sorted(EXPECTED))
def test_the_poll_brings_what_the_page_of_the_role_and_scope_shows(client, users, role, scope):
    client.force_login(users[role])
    poll = _poll_url(client.get(reverse("handoffs:inbox"), {"scope": scope}).content.decode())
    created = _new_three(users)

    response = client.get(poll, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    brought = _cards(response.content.decode())
    assert brought == {created[key] for key in EXPECTED[role, scope]}
    # The same as a reload of the page shows of the new hand-offs: nothing more, nothing less.
    reloaded = _cards(client.get(reverse("handoffs:inbox"), {"scope": scope}).content.decode())
    assert brought == reloaded & set(created.values())


@pytest.mark.parametrize("scope", ["mine", "team"])
def test_a_user_without_a_role_gets_no_poll_and_a_visitor_is_sent_to_sign_in(client, users, scope):
    _hand_off(users, users["sales"], "Sids")
    client.force_login(users["norole"])
    assert client.get(reverse("handoffs:inbox_updates"), {"scope": scope, "after": 0}).status_code == 403
    client.logout()
    response = client.get(reverse("handoffs:inbox_updates"), {"scope": scope, "after": 0})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_team_poll_keeps_the_page_filters_the_count_and_the_title(client, users):
    shown = _hand_off(users, users["sales"], "Older")
    client.force_login(users["managers"])
    page = client.get(reverse("handoffs:inbox"), {"scope": "team", "rep": users["sales"].pk}).content.decode()
    assert "<title>(1) Hand-offs · Tandem</title>" in page
    poll = _poll_url(page)
    assert f"rep={users['sales'].pk}" in poll

    new = _hand_off(users, users["sales"], "Fresh")
    _hand_off(users, users["sales2"], "Filtered")
    answer = client.get(poll, HTTP_HX_REQUEST="true").content.decode()
    assert _cards(answer) == {new.pk}
    assert "Fresh" in answer and "Filtered" not in answer and 'data-testid="new-badge"' in answer
    assert "<title>(2) Hand-offs · Tandem</title>" in answer
    assert '<span id="pending-total" hx-swap-oob="true" class="badge text-bg-warning">2</span>' in answer
    # A manager's new card carries the assign form, as on the page.
    assert f'action="{reverse("handoffs:assign", args=[new.pk])}"' in answer

    again = client.get(_poll_url(answer), HTTP_HX_REQUEST="true").content.decode()
    assert _cards(again) == set() and "(2) Hand-offs" in again
    assert shown.pk not in _cards(answer)


@pytest.mark.parametrize(
    "query",
    [{"scope": "everyone"}, {"scope": "team", "after": "abc"}, {"scope": "team"}, {"scope": "team", "after": "-1"}],
)
def test_a_malformed_poll_is_refused_with_400(client, users, query):
    client.force_login(users["managers"])
    response = client.get(reverse("handoffs:inbox_updates"), query)
    assert response.status_code == 400


def test_a_rep_who_also_assigns_finds_the_reps_in_the_cards_of_their_own_view_and_poll(client, users):
    from django.contrib.auth.models import Group

    lead_rep = users["sales"]
    lead_rep.groups.add(Group.objects.get_or_create(name="managers")[0])  # a sales manager
    client.force_login(lead_rep)
    page = client.get(reverse("handoffs:inbox"), {"scope": "mine"}).content.decode()
    mine = _hand_off(users, lead_rep, "Mine")
    polled = client.get(_poll_url(page)).content.decode()
    page = client.get(reverse("handoffs:inbox"), {"scope": "mine"}).content.decode()
    for shown in (page, polled):
        assert f'id="assignee-{mine.pk}"' in shown
        options = re.findall(rf'<select name="assignee" id="assignee-{mine.pk}".*?</select>', shown, re.S)[0]
        assert users["sales2"].username in options and lead_rep.username in options
