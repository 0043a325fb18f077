"""Marketing setup pages: capture forms, import, ICP and scoring — roles and behaviour."""

import csv
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.tests.factories import CampaignFactory
from leads.models import CaptureForm, IdealCustomerProfile, ImportJob, Lead, ScoringRule
from leads.tests.factories import CaptureFormFactory, LeadFactory, ScoringRuleFactory

pytestmark = pytest.mark.django_db

WRITERS = {"marketing", "managers"}
READERS = {"marketing", "sales", "managers"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def objects():
    form = CaptureFormFactory()
    rule = ScoringRuleFactory()
    job = ImportJob.objects.create(original_name="x.csv", file="imports/x.csv")
    return {"form": form.pk, "rule": rule.pk, "job": job.pk}


# (url name, kwargs key, method, roles allowed)
PAGES = [
    ("leads:capture_form_list", None, "get", READERS),
    ("leads:capture_form_detail", "form", "get", READERS),
    ("leads:capture_form_create", None, "get", WRITERS),
    ("leads:capture_form_create", None, "post", WRITERS),
    ("leads:capture_form_edit", "form", "get", WRITERS),
    ("leads:capture_form_edit", "form", "post", WRITERS),
    ("leads:capture_form_toggle", "form", "post", WRITERS),
    ("leads:import_upload", None, "get", WRITERS),
    ("leads:import_upload", None, "post", WRITERS),
    ("leads:import_detail", "job", "get", WRITERS),
    ("leads:import_progress", "job", "get", WRITERS),
    ("leads:import_errors", "job", "get", WRITERS),
    ("leads:scoring", None, "get", READERS),
    ("leads:scoring_icp", None, "get", WRITERS),
    ("leads:scoring_icp", None, "post", WRITERS),
    ("leads:scoring_rule_create", None, "get", WRITERS),
    ("leads:scoring_rule_create", None, "post", WRITERS),
    ("leads:scoring_rule_edit", "rule", "get", WRITERS),
    ("leads:scoring_rule_edit", "rule", "post", WRITERS),
    ("leads:scoring_rule_delete", "rule", "get", WRITERS),
    ("leads:scoring_rule_delete", "rule", "post", WRITERS),
    ("leads:scoring_rule_toggle", "rule", "post", WRITERS),
]


def page_url(name, key, objects):
    return reverse(name, kwargs={"pk": objects[key]} if key else None)


@pytest.mark.parametrize(("name", "key", "method", "allowed"), PAGES)
@pytest.mark.parametrize("role", ["anonymous", "marketing", "sales", "managers", "norole"])
def test_role_matrix(client, users, objects, role, name, key, method, allowed):
    if role != "anonymous":
        client.force_login(users[role])
    url = page_url(name, key, objects)
    response = getattr(client, method)(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif role in allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403


def test_navigation_shows_each_role_its_setup_pages(client, users):
    client.force_login(users["sales"])
    labels = {item["label"] for item in client.get("/").context["nav_items"]}
    assert {"Capture forms", "Scoring"} <= labels
    assert "Import" not in labels
    client.force_login(users["marketing"])
    labels = {item["label"] for item in client.get("/").context["nav_items"]}
    assert {"Capture forms", "Import", "Scoring"} <= labels


# --- Capture forms ---------------------------------------------------------------


def test_creating_a_form_generates_a_key_and_shows_the_snippet(client, users):
    campaign = CampaignFactory(name="Spring webinar")
    client.force_login(users["marketing"])
    response = client.post(
        reverse("leads:capture_form_create"),
        {
            "name": "Pricing <b>page</b>",
            "campaign": campaign.pk,
            "allowed_origins": "https://WWW.Example.com/\nhttps://landing.example.com:8443, https://www.example.com",
            "enabled": "on",
        },
        follow=True,
    )
    form = CaptureForm.objects.get()
    assert len(form.key) >= 10 and form.key.isalnum()
    assert form.allowed_origins == "https://www.example.com\nhttps://landing.example.com:8443"
    assert (form.campaign, form.created_by, form.enabled) == (campaign, users["marketing"], True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("leads:capture_form_detail", args=[form.pk])
    endpoint = f"http://testserver/api/v1/capture/{form.key}/"
    assert f"action=&quot;{endpoint}&quot;" in html  # the snippet, escaped inside <pre>
    assert "&lt;script&gt;" in html and "utm_campaign" in html and "name=&quot;website&quot;" in html
    assert "Pricing &lt;b&gt;page&lt;/b&gt;" in html and "<b>page</b>" not in html
    assert "js/marketing.js" in html


def test_bad_origins_are_refused_with_a_field_error(client, users):
    client.force_login(users["managers"])
    response = client.post(
        reverse("leads:capture_form_create"),
        {"name": "Form", "allowed_origins": "www.example.com\nhttps://ok.example/path"},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["allowed_origins"])
    assert "'www.example.com' is not an origin" in errors and "drop the path" in errors
    assert not CaptureForm.objects.exists()


def test_editing_keeps_the_key(client, users):
    form = CaptureFormFactory(key="keepme123")
    client.force_login(users["marketing"])
    client.post(
        reverse("leads:capture_form_edit", args=[form.pk]),
        {"name": "Renamed", "allowed_origins": "https://new.example", "enabled": "on"},
    )
    form.refresh_from_db()
    assert (form.name, form.key, form.allowed_origins) == ("Renamed", "keepme123", "https://new.example")


def test_disabling_a_form_makes_its_endpoint_404_and_enabling_restores_it(client, users):
    form = CaptureFormFactory()
    client.force_login(users["marketing"])
    client.post(reverse("leads:capture_form_toggle", args=[form.pk]), {"enabled": "0"})
    assert CaptureForm.objects.get().enabled is False
    assert client.post(f"/api/v1/capture/{form.key}/", {"email": "a@example.com"}).status_code == 404
    client.post(reverse("leads:capture_form_toggle", args=[form.pk]), {"enabled": "1", "next": "list"})
    assert client.post(f"/api/v1/capture/{form.key}/", {"email": "a@example.com"}).status_code == 201


def test_sales_reads_forms_without_write_buttons(client, users):
    form = CaptureFormFactory()
    client.force_login(users["sales"])
    html = client.get(reverse("leads:capture_form_detail", args=[form.pk])).content.decode()
    assert form.key in html
    assert reverse("leads:capture_form_edit", args=[form.pk]) not in html
    assert reverse("leads:capture_form_toggle", args=[form.pk]) not in html


def test_the_form_list_filters_paginates_and_exports_csv(client, users):
    for i in range(30):
        CaptureFormFactory(name=f"Landing {i:02}", enabled=i % 3 != 0)
    CaptureFormFactory(name="Webinar signup")
    client.force_login(users["sales"])
    first = client.get(reverse("leads:capture_form_list"))
    assert len(first.context["page"]) == 25 and first.context["page"].paginator.count == 31
    disabled = client.get(reverse("leads:capture_form_list"), {"state": "disabled", "q": "landing"})
    assert disabled.context["page"].paginator.count == 10
    response = client.get(reverse("leads:capture_form_list"), {"q": "webinar", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["name", "key"] and [r[0] for r in rows[1:]] == ["Webinar signup"]


# --- Import ------------------------------------------------------------------------

CSV_FILE = b"email,first_name\nada@example.com,Ada\nnope,Bad\nbob@example.com,Bob\n"


def test_uploading_a_file_imports_it_once_committed_and_shows_the_report(
    client, users, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory()
    client.force_login(users["marketing"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("leads:import_upload"),
            {"file": SimpleUploadedFile("fair.csv", CSV_FILE, "text/csv"), "campaign": campaign.pk},
        )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("leads:import_detail", args=[job.pk])
    assert (job.state, job.created_leads, job.error_rows, job.campaign) == ("done", 2, 1, campaign)
    assert job.created_by == users["marketing"]
    assert Lead.objects.filter(first_touch_campaign=campaign).count() == 2
    html = client.get(response["Location"]).content.decode()
    assert "100%" in html and "nope" in html and "hx-trigger" not in html
    errors = client.get(reverse("leads:import_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(errors.streaming_content).decode())))
    assert rows == [["line", "email", "errors"], ["3", "nope", "e-mail: Enter a valid e-mail address."]]


def test_the_progress_partial_polls_while_the_job_runs(client, users):
    job = ImportJob.objects.create(
        original_name="big.csv", file="imports/big.csv", state="running", total_rows=400, processed_rows=100
    )
    client.force_login(users["managers"])
    html = client.get(reverse("leads:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "25%" in html and "100 of 400 rows" in html
    assert "<html" not in html  # a partial


def test_a_failed_job_shows_its_message_and_stops_polling(client, users):
    job = ImportJob.objects.create(
        original_name="x.csv", file="imports/x.csv", state="failed", message="No e-mail column: …"
    )
    client.force_login(users["marketing"])
    html = client.get(reverse("leads:import_progress", args=[job.pk])).content.decode()
    assert "No e-mail column" in html and "hx-trigger" not in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("leads.xlsx", b"PK\x03\x04", "Upload a .csv file"), ("empty.csv", b"", "empty")],
)
def test_an_unusable_upload_is_refused_with_a_field_error(client, users, name, content, message):
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:import_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


# --- ICP and scoring -------------------------------------------------------------------


@pytest.fixture
def scored_leads():
    return [
        LeadFactory(industry="software", company_size=100, country="DE", title="CTO"),
        LeadFactory(industry="retail", company_size=5, country="DE", title="Owner"),
        LeadFactory(industry="software", company_size=1000, country="US", title="Head of IT"),
    ]


ICP_POST = {
    "industries": "software",
    "company_size_min": "50",
    "company_size_max": "500",
    "countries": "de",
    "title_keywords": "",
    "mql_threshold": "50",
}


def test_the_icp_preview_counts_fit_changes_without_saving(client, users, scored_leads):
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:scoring_icp"), {**ICP_POST, "action": "preview"})
    preview = response.context["preview"]
    # Lead 1 meets all three criteria (poor → good); leads 2 and 3 meet one of three (poor stays poor).
    assert (preview.leads, preview.fit_changes, preview.score_changes) == (3, 1, 0)
    assert preview.fit_moves == [("Poor", "Good", 1)]
    assert IdealCustomerProfile.current().industries == []  # nothing saved
    assert 'data-testid="preview-fit">1<' in response.content.decode()


def test_saving_the_icp_queues_a_recompute_after_commit(
    client, users, scored_leads, django_capture_on_commit_callbacks
):
    client.force_login(users["managers"])
    with (
        mock.patch("leads.tasks.scores_recompute.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("leads:scoring_icp"), {**ICP_POST, "action": "save"}, follow=True)
    profile = IdealCustomerProfile.current()
    assert (profile.industries, profile.countries, profile.company_size_min) == (["software"], ["DE"], 50)
    assert profile.updated_by == users["managers"]
    delay.assert_called_once_with()
    assert "being recomputed in the background" in response.content.decode()


def test_the_recompute_it_queues_updates_fit(client, users, scored_leads, django_capture_on_commit_callbacks):
    client.force_login(users["marketing"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:scoring_icp"), {**ICP_POST, "action": "save"})
    assert [Lead.objects.get(pk=lead.pk).fit for lead in scored_leads] == ["good", "poor", "poor"]


def test_an_upside_down_size_range_and_bad_countries_are_field_errors(client, users):
    client.force_login(users["marketing"])
    response = client.post(
        reverse("leads:scoring_icp"),
        {**ICP_POST, "company_size_min": "500", "company_size_max": "50", "countries": "Germany, DE", "action": "save"},
    )
    errors = response.context["form"].errors
    assert "at least the smallest" in errors["company_size_max"][0]
    assert "Germany" in errors["countries"][0]


RULE_POST = {"name": "Software", "field": "industry", "operator": "equals", "value": "software", "points": "60"}


def test_a_new_rule_preview_counts_score_changes_and_threshold_crossings(client, users, scored_leads):
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:scoring_rule_create"), {**RULE_POST, "active": "on", "action": "preview"})
    preview = response.context["preview"]
    assert (preview.leads, preview.score_changes, preview.fit_changes) == (3, 2, 0)
    assert (preview.over_threshold_now, preview.over_threshold_then) == (0, 2)
    assert not ScoringRule.objects.exists()


def test_an_inactive_rule_changes_nothing_in_the_preview(client, users, scored_leads):
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:scoring_rule_create"), {**RULE_POST, "action": "preview"})
    assert response.context["preview"].score_changes == 0


def test_editing_a_rule_previews_against_the_stored_scores(client, users, scored_leads):
    rule = ScoringRuleFactory(field="country", operator="equals", value="de", points=10)
    Lead.objects.filter(country="DE").update(score=10)
    client.force_login(users["marketing"])
    response = client.post(
        reverse("leads:scoring_rule_edit", args=[rule.pk]),
        {"field": "country", "operator": "in", "value": "de, us", "points": "10", "active": "on", "action": "preview"},
    )
    assert response.context["preview"].score_changes == 1  # only the US lead gains
    assert ScoringRule.objects.get().value == "de"


def test_the_delete_page_previews_the_effect_and_deleting_queues_a_recompute(
    client, users, scored_leads, django_capture_on_commit_callbacks
):
    rule = ScoringRuleFactory(field="country", operator="equals", value="de", points=10)
    Lead.objects.filter(country="DE").update(score=10)
    client.force_login(users["marketing"])
    assert client.get(reverse("leads:scoring_rule_delete", args=[rule.pk])).context["preview"].score_changes == 2
    with mock.patch("leads.tasks.scores_recompute.delay") as delay, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:scoring_rule_delete", args=[rule.pk]))
    assert not ScoringRule.objects.exists()
    delay.assert_called_once_with()


def test_rules_are_added_edited_and_toggled_each_with_a_recompute(client, users, django_capture_on_commit_callbacks):
    client.force_login(users["managers"])
    with mock.patch("leads.tasks.scores_recompute.delay") as delay, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:scoring_rule_create"), {**RULE_POST, "active": "on", "action": "save"})
        rule = ScoringRule.objects.get()
        client.post(
            reverse("leads:scoring_rule_edit", args=[rule.pk]),
            {**RULE_POST, "points": "25", "active": "on", "action": "save"},
        )
        client.post(reverse("leads:scoring_rule_toggle", args=[rule.pk]), {"active": "0"})
    rule.refresh_from_db()
    assert (rule.points, rule.active) == (25, False)
    assert delay.call_count == 3


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"operator": "gte", "value": "many"}, "value", "Enter a number"),
        ({"operator": "equals", "value": ""}, "value", "Enter the value to match"),
    ],
)
def test_a_rule_whose_value_does_not_suit_its_operator_is_a_field_error(client, users, values, field, message):
    client.force_login(users["marketing"])
    response = client.post(reverse("leads:scoring_rule_create"), {**RULE_POST, **values, "action": "save"})
    assert message in " ".join(response.context["form"].errors[field])
    assert not ScoringRule.objects.exists()


def test_the_overview_shows_the_profile_and_rules_to_sales_without_edit_buttons(client, users):
    ScoringRuleFactory(name="<i>Big</i> companies", field="company_size", operator="gte", value="500", points=15)
    client.force_login(users["sales"])
    html = client.get(reverse("leads:scoring")).content.decode()
    assert "&lt;i&gt;Big&lt;/i&gt; companies" in html and "+15" in html
    assert reverse("leads:scoring_icp") not in html and reverse("leads:scoring_rule_create") not in html
