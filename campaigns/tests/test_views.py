"""Campaign pages: the role matrix, forms with field errors, list filters, export, htmx spend."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Channel, Spend, Variant
from campaigns.services import campaign_archive
from campaigns.tests.factories import CampaignFactory, SpendFactory, VariantFactory
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def spring():
    campaign = CampaignFactory(name="Spring launch", slug="spring", utm_campaign="spring_utm")
    VariantFactory(campaign=campaign, name="A", utm_content="hero-a")
    SpendFactory(campaign=campaign, date=datetime.date(2026, 3, 2), amount=Decimal("100.00"))
    return campaign


def campaign_data(**overrides):
    data = {
        "name": "Summer webinar",
        "slug": "summer-webinar",
        "channel": Channel.WEBINAR,
        "objective": Campaign.Objective.LEAD_GENERATION,
        "status": Campaign.Status.PLANNED,
        "start_date": "2026-06-01",
        "end_date": "2026-06-30",
        "budget": "1500.00",
        "owner": "",
        "utm_campaign": "summer_webinar",
        "audience_notes": "",
    }
    data.update(overrides)
    return data


def pages(campaign):
    spend = campaign.spend.get()
    variant = campaign.variants.get()
    slug = campaign.slug
    return {
        "list": ("get", reverse("campaigns:list"), None),
        "export": ("get", reverse("campaigns:export"), None),
        "spend-section": ("get", reverse("campaigns:spend-section", args=[slug]), None),
        "create-page": ("get", reverse("campaigns:create"), None),
        "edit-page": ("get", reverse("campaigns:edit", args=[slug]), None),
        "delete-page": ("get", reverse("campaigns:delete", args=[slug]), None),
        "spend-edit-page": ("get", reverse("campaigns:spend-edit", args=[slug, spend.pk]), None),
        "variant-edit-page": ("get", reverse("campaigns:variant-edit", args=[slug, variant.pk]), None),
        "create": ("post", reverse("campaigns:create"), campaign_data()),
        "edit": ("post", reverse("campaigns:edit", args=[slug]), campaign_data(slug=slug, utm_campaign="x1")),
        "archive": ("post", reverse("campaigns:archive", args=[slug]), {}),
        "restore": ("post", reverse("campaigns:restore", args=[slug]), {}),
        "delete": ("post", reverse("campaigns:delete", args=[slug]), {}),
        "spend-add": (
            "post",
            reverse("campaigns:spend-add", args=[slug]),
            {"spend-date": "2026-03-03", "spend-amount": "50.00", "spend-note": ""},
        ),
        "spend-edit": (
            "post",
            reverse("campaigns:spend-edit", args=[slug, spend.pk]),
            {"date": "2026-03-03", "amount": "75.00", "note": "fixed"},
        ),
        "spend-delete": ("post", reverse("campaigns:spend-delete", args=[slug, spend.pk]), {}),
        "variant-add": (
            "post",
            reverse("campaigns:variant-add", args=[slug]),
            {"variant-name": "B", "variant-utm_content": "hero-b", "variant-description": ""},
        ),
        "variant-edit": (
            "post",
            reverse("campaigns:variant-edit", args=[slug, variant.pk]),
            {"name": "A2", "utm_content": "hero-a2", "description": ""},
        ),
        "variant-delete": ("post", reverse("campaigns:variant-delete", args=[slug, variant.pk]), {}),
    }


READS = ["list", "export", "spend-section"]
WRITE_PAGES = ["create-page", "edit-page", "delete-page", "spend-edit-page", "variant-edit-page"]
WRITE_ACTIONS = [
    "create",
    "edit",
    "archive",
    "restore",
    "delete",
    "spend-add",
    "spend-edit",
    "spend-delete",
    "variant-add",
    "variant-edit",
    "variant-delete",
]


def request(client, method, url, data):
    return client.post(url, data) if method == "post" else client.get(url)


def snapshot():
    return (
        list(Campaign.objects.order_by("pk").values()),
        list(Spend.objects.order_by("pk").values()),
        list(Variant.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("name", READS + WRITE_PAGES + WRITE_ACTIONS)
def test_anonymous_users_are_sent_to_sign_in(client, spring, name):
    method, url, data = pages(spring)[name]
    before = snapshot()
    response = request(client, method, url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert snapshot() == before


@pytest.mark.parametrize("name", READS + WRITE_PAGES + WRITE_ACTIONS)
def test_users_without_a_role_are_refused(client, users, spring, name):
    client.force_login(users["norole"])
    method, url, data = pages(spring)[name]
    before = snapshot()
    assert request(client, method, url, data).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", READS)
@pytest.mark.parametrize("role", ["sales", "marketing", "managers"])
def test_everyone_with_a_role_reads_campaigns(client, users, spring, role, name):
    client.force_login(users[role])
    method, url, data = pages(spring)[name]
    assert request(client, method, url, data).status_code == 200


@pytest.mark.parametrize("name", WRITE_PAGES + WRITE_ACTIONS)
def test_sales_cannot_write_campaigns(client, users, spring, name):
    client.force_login(users["sales"])
    method, url, data = pages(spring)[name]
    before = snapshot()
    assert request(client, method, url, data).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", WRITE_PAGES)
@pytest.mark.parametrize("role", ["marketing", "managers"])
def test_marketing_and_managers_open_the_write_pages(client, users, spring, role, name):
    client.force_login(users[role])
    method, url, data = pages(spring)[name]
    assert request(client, method, url, data).status_code == 200


@pytest.mark.parametrize("name", WRITE_ACTIONS)
@pytest.mark.parametrize("role", ["marketing", "managers"])
def test_marketing_and_managers_write_campaigns(client, users, spring, role, name):
    if name == "restore":
        campaign_archive(campaign=spring, actor=users[role])
    client.force_login(users[role])
    method, url, data = pages(spring)[name]
    before = snapshot()
    response = request(client, method, url, data)
    assert response.status_code == 302
    assert snapshot() != before


def test_sales_sees_no_write_buttons(client, users, spring):
    client.force_login(users["sales"])
    html = client.get(reverse("campaigns:list")).content.decode()
    assert "New campaign" not in html
    html = client.get(spring.get_absolute_url()).content.decode()
    assert 'data-testid="campaign-actions"' not in html
    assert 'data-testid="spend-add-form"' not in html
    assert 'data-testid="variant-add-form"' not in html


# --- Create and edit ------------------------------------------------------------------


def test_creating_a_campaign_redirects_to_its_page(client, users):
    client.force_login(users["marketing"])
    response = client.post(reverse("campaigns:create"), campaign_data(owner=users["marketing"].pk))
    campaign = Campaign.objects.get(slug="summer-webinar")
    assert response["Location"] == campaign.get_absolute_url() == "/campaigns/summer-webinar/"
    assert (campaign.budget, campaign.owner, campaign.end_date) == (
        Decimal("1500.00"),
        users["marketing"],
        datetime.date(2026, 6, 30),
    )


def test_an_empty_slug_and_utm_key_are_made_from_the_name(client, users):
    client.force_login(users["marketing"])
    client.post(reverse("campaigns:create"), campaign_data(name="Café Launch 2026!", slug="", utm_campaign=""))
    campaign = Campaign.objects.get()
    assert (campaign.slug, campaign.utm_campaign) == ("cafe-launch-2026", "cafe-launch-2026")


def test_the_new_campaign_form_offers_the_signed_in_marketer_as_owner(client, users):
    client.force_login(users["marketing"])
    form = client.get(reverse("campaigns:create")).context["form"]
    assert form.initial["owner"] == users["marketing"]
    assert set(form.fields["owner"].queryset) == {users["marketing"], users["managers"]}
    html = form.as_p()
    assert "data-slug-source" in html and "data-slug-target" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": "2026-05-31"}, "end_date", "The end date cannot be before the start date."),
        ({"budget": "-10.00"}, "budget", "A budget cannot be negative."),
        ({"slug": "taken"}, "slug", "Another campaign already uses this slug; pick a different one."),
        ({"utm_campaign": "TAKEN_UTM"}, "utm_campaign", "The campaign “Taken” already uses this utm_campaign key"),
        ({"slug": "new"}, "slug", "is reserved"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_invalid_campaigns_show_field_errors(client, users, overrides, field, message):
    CampaignFactory(name="Taken", slug="taken", utm_campaign="taken_utm")
    client.force_login(users["marketing"])
    response = client.post(reverse("campaigns:create"), campaign_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert list(errors) == [field]
    html = response.content.decode()
    assert "is-invalid" in html and f'id="error_1_id_{field}"' in html
    assert Campaign.objects.count() == 1


def test_editing_keeps_its_own_slug_and_refuses_anothers(client, users, spring):
    CampaignFactory(slug="taken")
    client.force_login(users["marketing"])
    url = reverse("campaigns:edit", args=[spring.slug])
    response = client.post(url, campaign_data(name="Spring 2", slug="taken", utm_campaign="spring_utm"))
    assert "slug" in response.context["form"].errors
    assert Campaign.objects.get(pk=spring.pk).slug == "spring"
    response = client.post(url, campaign_data(name="Spring 2", slug="spring", utm_campaign="spring_utm"))
    assert response.status_code == 302
    assert Campaign.objects.get(pk=spring.pk).name == "Spring 2"


def test_a_former_marketer_stays_the_owner_when_the_campaign_is_edited(client, users, make_user, spring):
    former = make_user("fred")  # no longer in marketing
    spring.owner = former
    spring.save()
    client.force_login(users["marketing"])
    form = client.get(reverse("campaigns:edit", args=[spring.slug])).context["form"]
    assert former in form.fields["owner"].queryset
    response = client.post(
        reverse("campaigns:edit", args=[spring.slug]),
        campaign_data(slug="spring", utm_campaign="spring_utm", owner=former.pk, name="Spring again"),
    )
    assert response.status_code == 302
    assert Campaign.objects.get(pk=spring.pk).owner == former
    new_form = client.get(reverse("campaigns:create")).context["form"]
    assert former not in new_form.fields["owner"].queryset


def test_user_text_is_escaped(client, users):
    CampaignFactory(name="<script>alert(1)</script>", slug="xss")
    client.force_login(users["sales"])
    for url in (reverse("campaigns:list"), "/campaigns/xss/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Archive and delete ---------------------------------------------------------------


def test_a_campaign_with_leads_offers_archive_not_delete(client, users, spring):
    LeadFactory(first_touch_campaign=spring)
    client.force_login(users["marketing"])
    html = client.get(spring.get_absolute_url()).content.decode()
    assert 'data-testid="archive"' in html and 'data-testid="delete"' not in html
    response = client.get(reverse("campaigns:delete", args=[spring.slug]))
    assert "cannot be deleted" in response.content.decode()
    response = client.post(reverse("campaigns:delete", args=[spring.slug]), follow=True)
    assert Campaign.objects.filter(pk=spring.pk).exists()
    assert "Archive it instead" in response.content.decode()


def test_a_campaign_without_leads_can_be_deleted(client, users, spring):
    client.force_login(users["marketing"])
    html = client.get(spring.get_absolute_url()).content.decode()
    assert 'data-testid="delete"' in html
    response = client.post(reverse("campaigns:delete", args=[spring.slug]))
    assert response["Location"] == reverse("campaigns:list")
    assert not Campaign.objects.filter(pk=spring.pk).exists()


def test_archived_campaigns_are_hidden_unless_asked_for(client, users, spring):
    CampaignFactory(name="Old one", archived=True)
    client.force_login(users["sales"])
    names = lambda query: [c.name for c in client.get(reverse("campaigns:list"), query).context["page"]]  # noqa: E731
    assert names({}) == ["Spring launch"]
    assert sorted(names({"archived": "include"})) == ["Old one", "Spring launch"]
    assert names({"archived": "only"}) == ["Old one"]


def test_archive_then_restore(client, users, spring):
    client.force_login(users["marketing"])
    client.post(reverse("campaigns:archive", args=[spring.slug]))
    assert Campaign.objects.get(pk=spring.pk).archived
    client.post(reverse("campaigns:restore", args=[spring.slug]))
    assert not Campaign.objects.get(pk=spring.pk).archived


def test_archive_is_a_post(client, users, spring):
    client.force_login(users["marketing"])
    assert client.get(reverse("campaigns:archive", args=[spring.slug])).status_code == 405
    assert not Campaign.objects.get(pk=spring.pk).archived


# --- The list ------------------------------------------------------------------------


@pytest.fixture
def several(users):
    mia, max_ = users["marketing"], users["managers"]
    return {
        "alpha": CampaignFactory(
            name="Alpha search",
            slug="alpha",
            utm_campaign="q1_alpha",
            channel=Channel.PAID_SEARCH,
            status=Campaign.Status.ACTIVE,
            owner=mia,
            start_date=datetime.date(2026, 1, 5),
            end_date=datetime.date(2026, 1, 31),
            budget=Decimal("300.00"),
        ),
        "bravo": CampaignFactory(
            name="Bravo webinar",
            slug="bravo",
            utm_campaign="q2_bravo",
            channel=Channel.WEBINAR,
            status=Campaign.Status.PLANNED,
            owner=max_,
            start_date=datetime.date(2026, 4, 1),
            end_date=None,
            budget=Decimal("100.00"),
        ),
        "charlie": CampaignFactory(
            name="Charlie mail",
            slug="charlie",
            utm_campaign="q1_charlie",
            channel=Channel.EMAIL,
            status=Campaign.Status.COMPLETED,
            owner=mia,
            start_date=datetime.date(2026, 2, 1),
            end_date=datetime.date(2026, 2, 28),
            budget=Decimal("200.00"),
        ),
    }


def listed(client, **query):
    return [c.slug for c in client.get(reverse("campaigns:list"), query).context["page"]]


def test_the_list_filters_searches_and_sorts(client, users, several):
    SpendFactory(campaign=several["charlie"], amount=Decimal("500.00"))
    SpendFactory(campaign=several["charlie"], amount=Decimal("1.00"))
    SpendFactory(campaign=several["alpha"], amount=Decimal("20.00"))
    client.force_login(users["sales"])
    assert listed(client) == ["bravo", "charlie", "alpha"]  # newest start first
    assert listed(client, status=["active", "completed"]) == ["charlie", "alpha"]
    assert listed(client, channel="webinar") == ["bravo"]
    assert listed(client, owner=users["managers"].pk) == ["bravo"]
    assert listed(client, running_from="2026-02-10", running_to="2026-03-31") == ["charlie"]
    assert listed(client, running_from="2026-05-01") == ["bravo"]
    assert listed(client, q="webinar") == ["bravo"]
    assert listed(client, q="charl") == ["charlie"]
    assert listed(client, q="Q1_") == ["charlie", "alpha"]
    assert listed(client, ordering="name") == ["alpha", "bravo", "charlie"]
    assert listed(client, ordering="-budget") == ["alpha", "charlie", "bravo"]
    assert listed(client, ordering="-spent") == ["charlie", "alpha", "bravo"]
    page = client.get(reverse("campaigns:list"), {"ordering": "-spent"}).context["page"]
    assert [c.spent for c in page] == [Decimal("501.00"), Decimal("20.00"), Decimal("0.00")]


def test_the_list_is_paginated(client, users):
    CampaignFactory.create_batch(27)
    client.force_login(users["sales"])
    first = client.get(reverse("campaigns:list"))
    assert len(first.context["page"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(reverse("campaigns:list"), {"page": 2})
    assert len(second.context["page"]) == 2
    assert not {c.pk for c in first.context["page"]} & {c.pk for c in second.context["page"]}


def test_the_list_costs_the_same_queries_for_more_rows(client, users, django_assert_max_num_queries):
    client.force_login(users["sales"])
    for campaign in CampaignFactory.create_batch(3, owner=users["marketing"]):
        VariantFactory(campaign=campaign)
        SpendFactory(campaign=campaign)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("campaigns:list"))
    for campaign in CampaignFactory.create_batch(20, owner=users["managers"]):
        VariantFactory.create_batch(2, campaign=campaign)
        SpendFactory.create_batch(2, campaign=campaign)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("campaigns:list"))
    assert len(response.context["page"]) == 23


# --- CSV export ------------------------------------------------------------------------


def test_the_export_streams_the_filtered_list_with_formulas_neutralised(client, users, several):
    CampaignFactory(name='=HYPERLINK("http://x")', slug="evil", utm_campaign="@evil", channel=Channel.EMAIL)
    SpendFactory(campaign=several["charlie"], amount=Decimal("42.50"))
    client.force_login(users["sales"])
    response = client.get(reverse("campaigns:export"), {"channel": "email", "ordering": "name"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="campaigns-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["slug"] for row in rows] == ["evil", "charlie"]
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["utm_campaign"] == "'@evil"
    assert rows[1]["spent (EUR)"] == "42.50"
    assert (rows[1]["owner"], rows[1]["budget (EUR)"], rows[1]["end_date"], rows[1]["archived"]) == (
        "mia",
        "200.00",
        "2026-02-28",
        "no",
    )


def test_the_export_hides_archived_campaigns_like_the_list(client, users, spring):
    CampaignFactory(slug="gone", archived=True)
    client.force_login(users["sales"])
    text = b"".join(client.get(reverse("campaigns:export")).streaming_content).decode()
    assert "spring" in text and "gone" not in text


# --- Spend in place (htmx) and without JavaScript --------------------------------------


def test_htmx_adds_spend_and_answers_the_section(client, users, spring):
    client.force_login(users["marketing"])
    response = client.post(
        reverse("campaigns:spend-add", args=[spring.slug]),
        {"spend-date": "2026-03-09", "spend-amount": "250.00", "spend-note": "LinkedIn"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="spend-section"' in html and "<html" not in html
    assert "LinkedIn" in html and "350.00" in html  # the new total
    assert Spend.objects.filter(campaign=spring, amount=Decimal("250.00"), note="LinkedIn").exists()


def test_htmx_shows_spend_errors_inline(client, users, spring):
    client.force_login(users["marketing"])
    response = client.post(
        reverse("campaigns:spend-add", args=[spring.slug]),
        {"spend-date": "", "spend-amount": "-5", "spend-note": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-testid="error-amount"' in html and "Spend cannot be negative." in html
    assert 'data-testid="error-date"' in html
    assert Spend.objects.count() == 1


def test_htmx_edits_a_spend_row_in_place(client, users, spring):
    spend = spring.spend.get()
    client.force_login(users["marketing"])
    url = reverse("campaigns:spend-edit", args=[spring.slug, spend.pk])
    html = client.get(url, **HTMX).content.decode()
    assert 'data-testid="spend-edit-row"' in html and 'name="edit-amount"' in html
    response = client.post(url, {"edit-date": "2026-03-02", "edit-amount": "-1", "edit-note": ""}, **HTMX)
    html = response.content.decode()
    assert 'data-testid="spend-edit-row"' in html and "Spend cannot be negative." in html
    assert Spend.objects.get(pk=spend.pk).amount == Decimal("100.00")
    response = client.post(url, {"edit-date": "2026-03-02", "edit-amount": "90", "edit-note": "credit"}, **HTMX)
    html = response.content.decode()
    assert 'data-testid="spend-edit-row"' not in html and "credit" in html
    assert Spend.objects.get(pk=spend.pk).amount == Decimal("90.00")


def test_htmx_deletes_a_spend_row(client, users, spring):
    spend = spring.spend.get()
    client.force_login(users["marketing"])
    response = client.post(reverse("campaigns:spend-delete", args=[spring.slug, spend.pk]), **HTMX)
    assert "No spend recorded yet." in response.content.decode()
    assert not Spend.objects.exists()


def test_without_javascript_spend_errors_show_on_a_page_of_their_own(client, users, spring):
    client.force_login(users["marketing"])
    response = client.post(
        reverse("campaigns:spend-add", args=[spring.slug]), {"spend-date": "2026-03-09", "spend-amount": "-1"}
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert response.context["form"].errors == {"amount": ["Spend cannot be negative."]}
    response = client.post(
        reverse("campaigns:spend-add", args=[spring.slug]), {"spend-date": "2026-03-09", "spend-amount": "1"}
    )
    assert response["Location"] == f"{spring.get_absolute_url()}#spend"
    spend = Spend.objects.get(amount=Decimal("1.00"))
    page = client.get(reverse("campaigns:spend-edit", args=[spring.slug, spend.pk]))
    assert 'name="amount"' in page.content.decode()


def test_the_spend_section_pages_through_entries(client, users, spring):
    SpendFactory.create_batch(21, campaign=spring, date=datetime.date(2026, 1, 1))
    client.force_login(users["sales"])
    html = client.get(reverse("campaigns:spend-section", args=[spring.slug]), {"page": 2}, **HTMX)
    assert "Page 2 of 2" in html.content.decode()
    assert len(html.context["spend_page"]) == 2


# --- Variants ---------------------------------------------------------------------------


def test_a_duplicate_variant_shows_field_errors(client, users, spring):
    client.force_login(users["marketing"])
    response = client.post(
        reverse("campaigns:variant-add", args=[spring.slug]),
        {"variant-name": "a", "variant-utm_content": "HERO-A", "variant-description": ""},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "utm_content"}
    assert spring.variants.count() == 1


def test_a_variant_with_touchpoints_is_kept(client, users, spring):
    from leads.tests.factories import TouchpointFactory

    variant = spring.variants.get()
    TouchpointFactory(campaign=spring, variant=variant)
    client.force_login(users["marketing"])
    response = client.post(reverse("campaigns:variant-delete", args=[spring.slug, variant.pk]), follow=True)
    assert Variant.objects.filter(pk=variant.pk).exists()
    assert "cannot be deleted" in response.content.decode()
