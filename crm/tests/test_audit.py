"""The audit trail's kernel: append-only in the database, actors from the context, roles and tokens."""

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from crm.audit import Actor, ObjectType, acting_as, audit_record, audit_records
from crm.models import AuditEntry


@pytest.fixture
def entry(db):
    return audit_record(object_type=ObjectType.CAMPAIGN, object_id=7, action="updated", changes={"name": {"old": "a"}})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE crm_auditentry SET action = 'tampered' WHERE id = %s",
        "DELETE FROM crm_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_entry(entry, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "updated"


def test_the_orm_cannot_delete_an_entry_either(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_entry_is_attributed_to_the_actor_in_context_then_to_the_user_then_to_the_system(db, users):
    with acting_as(Actor.for_import(12)):
        by_import = audit_record(object_type=ObjectType.LEAD, object_id=1, action="updated", user=users["marketing"])
    by_user = audit_record(object_type=ObjectType.LEAD, object_id=1, action="updated", user=users["marketing"])
    by_system = audit_record(object_type=ObjectType.LEAD, object_id=1, action="updated")
    assert (by_import.actor_kind, by_import.actor_id, by_import.actor_label) == ("import", "12", "import #12")
    assert (by_user.actor_kind, by_user.actor_label) == ("user", "mia")
    assert by_system.actor_kind == "system"


def test_personal_values_are_kept_apart_from_the_entry(db):
    entry = audit_record(
        object_type=ObjectType.LEAD,
        object_id=5,
        action="updated",
        changes={"first_name": {"old": "Ann", "new": "Anna"}, "score": {"old": 1, "new": 2}},
        personal_fields=("first_name",),
        lead_id=5,
    )
    entry.refresh_from_db()
    assert entry.changes == {"first_name": {"personal": True}, "score": {"old": 1, "new": 2}}
    assert entry.personal.changes == {"first_name": {"old": "Ann", "new": "Anna"}}
    assert "Ann" not in str(entry.changes)


def test_a_change_of_roles_is_recorded_with_the_groups_before_and_after(users):
    rep = users["sales"]
    managers = Group.objects.get_or_create(name="managers")[0]
    with acting_as(Actor.for_user(users["managers"])):
        rep.groups.add(managers)
    entry = AuditEntry.objects.filter(object_type="role", object_id=str(rep.pk)).first()
    assert entry.changes["groups"] == {"old": ["sales"], "new": ["managers", "sales"]}
    assert entry.actor_label == "max"


def test_a_token_created_and_revoked_is_recorded_without_its_key(users):
    token = Token.objects.create(user=users["sales"])
    key = token.key
    token.delete()
    actions = list(
        AuditEntry.objects.filter(object_type="token", object_id=str(users["sales"].pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["token_created", "token_revoked"]
    assert key not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_a_batchs_entries_are_one_statement_whatever_its_size(db):
    # Past Django's assumed SQLite limit of 999 parameters (about 90 entries), within the real one.
    changes_by_id = [(n, {"score": {"old": 0, "new": n}}) for n in range(300)]
    with CaptureQueriesContext(connection) as ctx:
        audit_records(object_type=ObjectType.LEAD, action="updated", changes_by_id=changes_by_id)
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "crm_auditentry"')]
    assert len(inserts) == 1
    assert AuditEntry.objects.filter(object_type=ObjectType.LEAD).count() == 300


def test_a_request_gets_a_request_id_back(client, users):
    client.force_login(users["managers"])
    response = client.get("/account/api-token/", headers={"X-Request-ID": "abc-123"})
    assert response["X-Request-ID"] == "abc-123"
    assert len(client.get("/account/api-token/", headers={"X-Request-ID": "bad id\n"})["X-Request-ID"]) == 32


def test_money_is_kept_in_positional_notation():
    from decimal import Decimal

    from crm.audit import plain

    assert plain(Decimal("8.368E+6")) == "8368000"
    assert plain(Decimal("1500.00")) == "1500.00"
