"""Money is shown with the team's currency (CURRENCY), formatted for the language, on every page,
export and digest."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from crm.money import currency_code, format_money, with_currency


@pytest.mark.parametrize(
    ("amount", "currency", "language", "shown"),
    [
        (Decimal("1234.5"), "EUR", "en", "€1,234.50"),
        (Decimal("1234.5"), "USD", "en", "$1,234.50"),
        (Decimal("1234.5"), "EUR", "de", "1.234,50\u00a0€"),
        (Decimal("1234.5"), "USD", "de", "1.234,50\u00a0$"),
        (Decimal("-99.999"), "USD", "en", "-$100.00"),
        (Decimal("1234567"), "JPY", "en", "¥1,234,567"),
        (Decimal("10"), "CHF", "en", "CHF10.00"),  # CLDR, as Babel gives it
        (Decimal("0.5"), "JPY", "de", "1\u00a0¥"),
        (0, "EUR", "en", "€0.00"),
    ],
)
def test_amounts_are_formatted_with_the_currency_for_the_language(amount, currency, language, shown):
    assert format_money(amount, currency, language=language) == shown


@pytest.mark.parametrize("missing", [None, "", "not a number"])
def test_no_amount_is_a_dash(missing):
    assert format_money(missing, "EUR", language="en") == "—"


def test_the_currency_setting_must_be_an_iso_code():
    assert currency_code(" usd ") == "USD"
    for wrong in ("", "EURO", "€", "12", "XYZ"):
        with pytest.raises(ImproperlyConfigured, match="CURRENCY"):
            currency_code(wrong)


def test_a_csv_header_names_the_currency(settings):
    settings.CURRENCY = "USD"
    assert with_currency(["name", "budget"], {"budget"}) == ["name", "budget (USD)"]


@pytest.fixture
def campaign_with_spend(users):
    import datetime

    from campaigns.models import Spend
    from campaigns.tests.factories import CampaignFactory

    campaign = CampaignFactory(budget=Decimal("12500.00"), owner=users["marketing"])
    Spend.objects.create(campaign=campaign, date=datetime.date(2026, 3, 3), amount=Decimal("1234.50"))
    return campaign


@pytest.mark.django_db
@pytest.mark.parametrize(("currency", "budget"), [("EUR", "€12,500.00"), ("USD", "$12,500.00")])
def test_pages_show_the_configured_currency(settings, users, campaign_with_spend, currency, budget):
    settings.CURRENCY = currency
    client = Client()
    client.force_login(users["marketing"])
    listing = client.get(reverse("campaigns:list")).content.decode()
    assert budget in listing
    detail = client.get(campaign_with_spend.get_absolute_url()).content.decode()
    assert format_money(Decimal("1234.50")) in detail


@pytest.mark.django_db
def test_exports_keep_plain_numbers_and_name_the_currency(settings, users, campaign_with_spend):
    settings.CURRENCY = "USD"
    client = Client()
    client.force_login(users["marketing"])
    response = client.get(reverse("campaigns:export"))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert "budget (USD)" in lines[0] and "spent (USD)" in lines[0]
    assert "12500.00" in lines[1] and "$" not in lines[1]
    leads = client.get(reverse("leads:export"))
    assert "deal_value (USD)" in b"".join(leads.streaming_content).decode().splitlines()[0]
    dashboard = client.get(reverse("dashboard-campaigns-csv"))
    assert "spend (USD)" in b"".join(dashboard.streaming_content).decode().splitlines()[0]


@pytest.mark.django_db
def test_the_digest_shows_money_in_the_currency(settings, campaign_with_spend):
    from alignment.digests import digest_render
    from alignment.metrics import weekly_metrics
    from alignment.models import Audience
    from crm.weeks import Week

    settings.CURRENCY = "USD"
    rendered = digest_render(metrics=weekly_metrics(Week.parse("2026-W10")), audience=Audience.MANAGERS)
    assert "Spend: $1,234.50" in rendered.text
    assert "$1,234.50" in rendered.html
