"""The lead filter's dates stay within the accepted range: the page ignores a date outside, the API answers 400."""

import pytest
from rest_framework.test import APIClient

from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["created_before=9999-12-31", "created_after=0001-01-01"])
def test_a_created_date_out_of_range_is_never_a_500(client, users, query):
    lead = LeadFactory()
    client.force_login(users["marketing"])
    page = client.get(f"/leads/?{query}")
    assert page.status_code == 200
    assert lead.email in page.content.decode()  # the date outside the range is ignored
    api = APIClient()
    api.force_authenticate(users["marketing"])
    response = api.get(f"/api/v1/leads/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]
