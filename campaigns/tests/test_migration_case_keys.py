"""The migration that makes utm keys unique in any case upgrades a database that holds such twins."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("campaigns", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_case_twins_keep_the_oldest_key_and_the_others_get_their_own():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        Campaign = old.get_model("campaigns", "Campaign")
        Variant = old.get_model("campaigns", "Variant")
        day = datetime.date(2026, 1, 5)
        first = Campaign.objects.create(name="A", slug="a", channel="email", start_date=day, utm_campaign="Spring")
        twin = Campaign.objects.create(name="B", slug="b", channel="email", start_date=day, utm_campaign="spring")
        other = Campaign.objects.create(name="C", slug="c", channel="email", start_date=day, utm_campaign="autumn")
        kept = Variant.objects.create(campaign=first, name="A", utm_content="Hero")
        renamed = Variant.objects.create(campaign=first, name="B", utm_content="hero")
        elsewhere = Variant.objects.create(campaign=other, name="A", utm_content="HERO")

        new = migrate(leaves)

        keys = dict(new.get_model("campaigns", "Campaign").objects.values_list("pk", "utm_campaign"))
        assert keys == {first.pk: "Spring", twin.pk: f"spring-{twin.pk}", other.pk: "autumn"}
        contents = dict(new.get_model("campaigns", "Variant").objects.values_list("pk", "utm_content"))
        assert contents == {kept.pk: "Hero", renamed.pk: f"hero-{renamed.pk}", elsewhere.pk: "HERO"}
    finally:
        migrate(leaves)
