"""In Chromium: each role signs in and sees its navigation; a wrong password is refused."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("marketing", ["Dashboard", "Campaigns", "Import", "Scoring"], ["Pipeline", "Today", "Team settings"]),
        (
            "sales",
            ["Dashboard", "Leads", "Hand-offs", "Pipeline", "Today"],
            ["Import", "Reps", "Team settings", "Audit trail"],
        ),
        ("managers", ["Dashboard", "Pipeline", "Import", "Reps", "Team settings", "Audit trail", "Personal data"], []),
    ],
)
def test_each_role_signs_in_and_sees_its_navigation(page, sign_in, users, role, visible, hidden):
    sign_in(page, users[role].username)
    nav = page.get_by_test_id("main-nav")
    for label in visible:
        assert nav.get_by_role("link", name=label).is_visible()
    for label in hidden:
        assert nav.get_by_role("link", name=label).count() == 0
    assert role in page.get_by_test_id("whoami").inner_text()
    assert page.js_errors == []


def test_a_wrong_password_shows_an_error(page, sign_in, users):
    sign_in(page, users["sales"].username, password="not-the-password")
    assert "correct username and password" in page.get_by_test_id("login-error").inner_text()
    assert page.url.endswith("/accounts/login/")
