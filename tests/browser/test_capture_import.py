"""In Chromium: a website on another origin embeds the capture snippet and a visitor's
submission becomes a lead; a CSV import shows its progress and its refused rows."""

import functools
import http.server
import re
import threading

import pytest
from playwright.sync_api import expect

from campaigns.tests.factories import CampaignFactory
from leads import importing
from leads.models import CaptureForm, ImportJob, Lead, Touchpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def other_origin(tmp_path):
    """A static web server on another port of 127.0.0.1: a website that is not Tandem."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_snippet_on_another_website_captures_a_lead_with_its_campaign(page, sign_in, users, other_origin):
    site_dir, site_url = other_origin
    campaign = CampaignFactory(name="Spring webinar", slug="spring-webinar")
    sign_in(page, users["marketing"].username)
    page.goto("/leads/forms/new/")
    page.fill("input[name=name]", "Webinar landing page")
    page.select_option("select[name=campaign]", label="Spring webinar")
    page.fill("textarea[name=allowed_origins]", site_url)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    form = CaptureForm.objects.get()
    assert form.campaign == campaign and form.origin_list() == [site_url]

    snippet = page.get_by_test_id("snippet").text_content()
    assert "<script>" in snippet  # shown as text, unescaped by the browser
    page.get_by_test_id("copy-snippet").click()
    # The clipboard answers asynchronously: wait for the button to say how it went.
    expect(page.get_by_test_id("copy-snippet")).to_have_text(re.compile(r"^\s*(Copied|Press Ctrl\+C)\s*$"))
    assert page.js_errors == []

    (site_dir / "landing.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Webinar</title></head>"
        f"<body><h1>Join our webinar</h1>{snippet}</body></html>"
    )
    visitor = page.context.browser.new_page()
    visitor_errors = []
    visitor.on("pageerror", lambda exc: visitor_errors.append(str(exc)))
    visitor.goto(f"{site_url}/landing.html?utm_source=linkedin&utm_medium=paid_social&utm_content=hero")
    visitor.fill("input[name=email]", "Visitor@Example.com")
    visitor.fill("input[name=first_name]", "Vera")
    visitor.fill("input[name=company]", "Vera & Co")
    visitor.click("button[type=submit]")
    message = visitor.locator("[data-tandem-message]")
    message.filter(has_text="Thank you").wait_for()
    assert visitor_errors == []

    lead = Lead.objects.get()
    assert (lead.email, lead.first_name, lead.company) == ("visitor@example.com", "Vera", "Vera & Co")
    assert lead.first_touch_campaign == campaign
    assert lead.source == "paid_social"
    touch = Touchpoint.objects.get()
    assert touch.form == form and touch.utm_source == "linkedin" and touch.utm_content == "hero"
    assert touch.page_url.startswith(f"{site_url}/landing.html?utm_source=linkedin")

    # The same visitor again: a touch, not a second lead; the page thanks them again.
    message.evaluate("node => { node.textContent = ''; }")
    visitor.fill("input[name=email]", "visitor@example.com")
    visitor.click("button[type=submit]")
    message.filter(has_text="Thank you").wait_for()
    assert Lead.objects.count() == 1 and Touchpoint.objects.count() == 2
    visitor.close()


def test_a_website_whose_origin_is_not_allowed_is_refused(page, other_origin, live_server):
    site_dir, site_url = other_origin
    CaptureForm.objects.create(name="Elsewhere", key="elsewhere1", allowed_origins="https://www.example.com")
    (site_dir / "other.html").write_text("<!doctype html><html><body>another site</body></html>")
    page.goto(f"{site_url}/other.html")
    outcome = page.evaluate(
        """url => fetch(url, {method: "POST", body: new URLSearchParams({email: "x@example.com"})})
                 .then(response => "read " + response.status, () => "blocked by CORS")""",
        f"{live_server.url}/api/v1/capture/elsewhere1/",
    )
    assert outcome == "blocked by CORS"
    assert not Lead.objects.exists()


CSV_CONTENT = (
    "E-mail;Vorname;Nachname;Firma;Page\r\n"
    "ada@example.com;Ada;Lovelace;Engines;\r\n"
    "kein-email;Bad;Row;X;\r\n"
    # A quoted value over two lines (names refuse line breaks, README "Text in names"; a page URL keeps them).
    'bob@example.com;Bob;Smith;Acme;"https://example.com/messe\r\n?stand=4"\r\n'
    ";No;Email;Co;\r\n"
    "cy@example.com;Cy;Young;Café;\r\n"
)


def test_a_csv_import_shows_its_progress_and_refused_rows(page, sign_in, users, tmp_path):
    path = tmp_path / "messe.csv"
    path.write_bytes(CSV_CONTENT.encode("cp1252"))
    sign_in(page, users["marketing"].username)
    page.goto("/leads/import/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_load_state("networkidle")
    progress = page.get_by_test_id("import-progress")
    page.locator("[data-testid=import-progress][data-state=done]").wait_for()  # no eval: the CSP forbids it
    assert page.get_by_test_id("import-percent").inner_text() == "100%"
    assert page.get_by_test_id("import-created").inner_text() == "3"
    assert page.get_by_test_id("import-refused").inner_text() == "2"
    rows = page.get_by_test_id("import-errors").locator("tbody tr").all_inner_texts()
    assert [row.split("\t")[0] for row in rows] == ["3", "6"]  # bob's record spans lines 4-5
    assert "kein-email" in rows[0]
    assert progress.get_attribute("hx-trigger") is None
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
    ]
    assert Lead.objects.get(email="cy@example.com").company == "Café"
    with page.expect_download() as download:
        page.get_by_test_id("import-errors-csv").click()
    assert download.value.path().read_text().splitlines()[1].startswith("3,kein-email,")
    assert page.js_errors == []


def test_the_progress_bar_follows_a_running_import_until_it_is_done(page, sign_in, users, tmp_path):
    from django.core.files.base import ContentFile

    content = "email\n" + "".join(f"p{i}@example.com\n" for i in range(6)) + "broken\n"
    job = importing.import_job_create(
        file=ContentFile(content.encode(), name="slow.csv"), actor=users["marketing"], run_in_background=False
    )
    sign_in(page, users["marketing"].username)
    page.goto(f"/leads/import/{job.pk}/")
    assert page.get_by_test_id("import-progress").get_attribute("data-state") == "queued"
    assert page.get_by_test_id("import-percent").inner_text() == "0%"
    importing.import_job_run(job=job, batch_size=2)  # what the worker does, while the page polls
    page.locator("[data-testid=import-progress][data-state=done]").wait_for(timeout=10_000)
    assert page.get_by_test_id("import-percent").inner_text() == "100%"
    assert page.get_by_test_id("import-errors").locator("tbody tr").count() == 1
    assert ImportJob.objects.get().state == "done"
    assert page.js_errors == []
