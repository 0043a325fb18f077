"""Next steps on a lead and the day's list: set, delegate, see today, mark done."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Activity, Lead
from leads.services import activity_log
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def add_task(client, lead, **data):
    due = timezone.now() + datetime.timedelta(days=1)
    return client.post(
        reverse("leads:add_task", args=[lead.pk]), {"subject": "Send proposal", "due_at": local(due), **data}
    )


def test_a_rep_sets_the_next_step_for_themselves(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    assert add_task(client, lead, assignee=users["sales"].pk).status_code == 302
    task = Activity.objects.get(lead=lead)
    assert (task.kind, task.subject, task.assignee, task.user, task.done_at) == (
        "task",
        "Send proposal",
        users["sales"],
        users["sales"],
        None,
    )
    assert task.due_at > timezone.now()


def test_a_rep_cannot_delegate_to_another_rep(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = add_task(client, lead, assignee=users["sales2"].pk)
    assert response.status_code == 200
    assert "assignee" in response.context["task_form"].errors
    assert not Activity.objects.exists()


def test_a_manager_delegates_to_any_rep(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    client.force_login(users["managers"])
    choices = {user.pk for user in client.get(lead.get_absolute_url()).context["task_form"].fields["assignee"].queryset}
    assert choices == {users["managers"].pk, users["sales"].pk, users["sales2"].pk}
    assert add_task(client, lead, assignee=users["sales2"].pk).status_code == 302
    assert Activity.objects.get(lead=lead).assignee == users["sales2"]
    response = add_task(client, lead, assignee=users["marketing"].pk)
    assert "assignee" in response.context["task_form"].errors


def test_a_task_needs_a_due_date(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    client.force_login(users["sales"])
    response = add_task(client, lead, due_at="", assignee=users["sales"].pk)
    assert "due_at" in response.context["task_form"].errors
    assert not Activity.objects.exists()


def test_today_lists_my_tasks_due_today_or_overdue_with_overdue_in_red(client, users):
    now = timezone.now()
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"], first_name="Ada")
    overdue = activity_log(
        lead=lead, actor=users["sales"], kind="task", subject="Chase contract", due_at=now - datetime.timedelta(days=1)
    )
    activity_log(
        lead=lead, actor=users["sales"], kind="task", subject="Next month", due_at=now + datetime.timedelta(days=30)
    )
    activity_log(
        lead=lead,
        actor=users["managers"],
        kind="task",
        subject="Someone else's",
        due_at=now - datetime.timedelta(hours=1),
        assignee=users["sales2"],
    )
    client.force_login(users["sales"])
    response = client.get(reverse("leads:today"))
    html = response.content.decode()
    assert [task.pk for task in response.context["tasks"]] == [overdue.pk]
    assert "Chase contract" in html and "Next month" not in html and "Someone else" not in html
    assert "task-overdue" in html and "overdue" in html
    assert lead.get_absolute_url() in html


def test_marking_done_from_today_removes_the_row_and_shows_on_the_timeline(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    task = activity_log(lead=lead, actor=users["sales"], kind="task", subject="Call back", due_at=timezone.now())
    client.force_login(users["sales"])
    response = client.post(reverse("leads:task_done", args=[task.pk]), {"from": "today"}, **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert Activity.objects.get(pk=task.pk).done_at is not None
    assert client.get(reverse("leads:today")).context["tasks"] == []
    detail = client.get(lead.get_absolute_url())
    assert detail.context["tasks"] == []
    assert "Done: Call back" in detail.content.decode()


def test_marking_done_without_js_redirects_back(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    task = activity_log(lead=lead, actor=users["sales"], kind="task", subject="x", due_at=timezone.now())
    client.force_login(users["sales"])
    response = client.post(reverse("leads:task_done", args=[task.pk]), {"next": reverse("leads:today")})
    assert response["Location"] == reverse("leads:today")
    other = activity_log(lead=lead, actor=users["sales"], kind="task", subject="y", due_at=timezone.now())
    response = client.post(reverse("leads:task_done", args=[other.pk]), {"next": "https://evil.example.com/"})
    assert response["Location"] == lead.get_absolute_url()


def test_marking_done_on_the_lead_page_refreshes_tasks_and_timeline(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    task = activity_log(lead=lead, actor=users["sales"], kind="task", subject="Demo prep", due_at=timezone.now())
    client.force_login(users["sales"])
    html = client.post(reverse("leads:task_done", args=[task.pk]), **HTMX).content.decode()
    assert html.index('id="lead-tasks"') < html.index('id="lead-timeline"')
    assert "Done: Demo prep" in html


def test_only_the_assignee_or_who_may_work_the_lead_marks_a_task_done(client, users):
    lead = LeadFactory(status=Lead.Status.SAL, owner=users["sales"])
    task = activity_log(lead=lead, actor=users["sales"], kind="task", subject="x", due_at=timezone.now())
    for name in ("sales2", "marketing", "norole"):
        client.force_login(users[name])
        assert client.post(reverse("leads:task_done", args=[task.pk])).status_code == 403
    assert Activity.objects.get(pk=task.pk).done_at is None
    delegated = activity_log(
        lead=lead, actor=users["managers"], kind="task", subject="y", due_at=timezone.now(), assignee=users["sales2"]
    )
    client.force_login(users["sales2"])
    assert client.post(reverse("leads:task_done", args=[delegated.pk])).status_code == 302
    assert Activity.objects.get(pk=delegated.pk).done_at is not None
