import pytest


@pytest.fixture
def role_groups(django_db_blocker):
    """Make sure the role groups exist, and put them back after a transactional test's flush.

    The data migration makes them once; a transactional test's flush deletes them for every
    test after it (and for the next --reuse-db session).
    """
    from django.contrib.auth.models import Group

    from crm.roles import ROLES

    def ensure():
        with django_db_blocker.unblock():
            for role in ROLES:
                Group.objects.get_or_create(name=role)

    ensure()
    yield
    ensure()
