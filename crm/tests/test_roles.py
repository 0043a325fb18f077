"""The role policy: one matrix, checked capability by capability."""

import pytest
from django.contrib.auth.models import Group

from crm import roles
from crm.roles import Perm

pytestmark = pytest.mark.django_db

EXPECTED = {
    # capability: roles that hold it
    Perm.READ: {"marketing", "sales", "managers"},
    Perm.WRITE_CAMPAIGNS: {"marketing", "managers"},
    Perm.WRITE_SCORING: {"marketing", "managers"},
    Perm.MANAGE_FORMS: {"marketing", "managers"},
    Perm.CREATE_LEADS: {"marketing", "managers"},
    Perm.IMPORT_LEADS: {"marketing", "managers"},
    Perm.CREATE_HANDOFFS: {"marketing", "managers"},
    Perm.WORK_LEADS: {"sales", "managers"},
    Perm.ANSWER_HANDOFFS: {"sales", "managers"},
    Perm.ASSIGN_HANDOFFS: {"managers"},
    Perm.MANAGE_TEAM: {"managers"},
    Perm.MANAGE_WEBHOOKS: {"managers"},
}


def test_the_data_migration_creates_the_three_role_groups():
    # Run the migration's own function: transactional tests elsewhere flush the rows it
    # made, so with --reuse-db the table alone proves nothing.
    import importlib

    from django.apps import apps

    migration = importlib.import_module("crm.migrations.0001_create_role_groups")
    Group.objects.all().delete()
    migration.create_groups(apps, None)
    migration.create_groups(apps, None)  # idempotent
    assert sorted(Group.objects.values_list("name", flat=True)) == ["managers", "marketing", "sales"]


def test_every_capability_is_in_the_matrix():
    assert set(EXPECTED) == set(Perm)


@pytest.mark.parametrize("perm", list(Perm))
@pytest.mark.parametrize("role", ["marketing", "sales", "managers", "norole"])
def test_policy_matrix(users, role, perm):
    assert roles.has_perm(users[role], perm) is (role in EXPECTED[perm])


def test_anonymous_and_inactive_users_hold_nothing(users, make_user):
    from django.contrib.auth.models import AnonymousUser

    inactive = make_user("gone", "managers", is_active=False)
    for user in (AnonymousUser(), inactive, None):
        assert not any(roles.has_perm(user, perm) for perm in Perm)


def test_superuser_counts_as_manager(make_user):
    admin = make_user("root", is_superuser=True)
    assert roles.is_manager(admin)
    assert roles.has_perm(admin, Perm.MANAGE_TEAM)


class _Owned:
    def __init__(self, owner_id=None, assigned_to_id=None):
        self.owner_id = owner_id
        self.assigned_to_id = assigned_to_id


def test_sales_works_only_its_own_leads(users):
    own = _Owned(owner_id=users["sales"].pk)
    other = _Owned(owner_id=users["sales2"].pk)
    unowned = _Owned()
    assert roles.can_work_lead(users["sales"], own)
    assert not roles.can_work_lead(users["sales"], other)
    assert not roles.can_work_lead(users["sales"], unowned)
    assert not roles.can_work_lead(users["marketing"], own)
    assert roles.can_work_lead(users["managers"], other)


def test_sales_answers_only_its_own_handoffs(users):
    mine = _Owned(assigned_to_id=users["sales"].pk)
    theirs = _Owned(assigned_to_id=users["sales2"].pk)
    assert roles.can_answer_handoff(users["sales"], mine)
    assert not roles.can_answer_handoff(users["sales"], theirs)
    assert not roles.can_answer_handoff(users["marketing"], mine)
    assert roles.can_answer_handoff(users["managers"], theirs)


def test_marketing_and_whoever_works_the_lead_may_edit_its_profile(users):
    own = _Owned(owner_id=users["sales"].pk)
    assert roles.can_edit_lead(users["marketing"], own)
    assert roles.can_edit_lead(users["sales"], own)
    assert roles.can_edit_lead(users["managers"], own)
    assert not roles.can_edit_lead(users["sales2"], own)
    assert not roles.can_edit_lead(users["norole"], own)
