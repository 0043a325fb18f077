import pytest
from django.test import Client

from tests.security.world import ROLE_NAMES, build_world


@pytest.fixture
def world(users):
    return build_world(users)


@pytest.fixture
def clients(world):
    """A test client per role name, signed in (except anonymous); CSRF is checked like a browser's."""
    result = {}
    for role in ROLE_NAMES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        result[role] = client
    return result
