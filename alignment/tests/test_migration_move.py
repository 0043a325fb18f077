"""The move of the weekly numbers' models from crm to alignment keeps every row and every id.

An installation upgraded across the move has goals, digests and content types made under the
crm label; after migrating they must be the same rows, read through alignment's models, and
the content types (which permissions and admin log entries point at) must keep their ids.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_MOVE = [("crm", "0004_rollup_triggers"), ("alignment", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([target for target in targets if target[1]]).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_across_the_move_keeps_the_rows_and_the_content_type_ids():
    leaves = latest()
    try:
        old = migrate(BEFORE_MOVE)
        ContentType = old.get_model("contenttypes", "ContentType")
        goal_type, _ = ContentType.objects.get_or_create(app_label="crm", model="quarterlygoal")
        ContentType.objects.filter(app_label="alignment").delete()
        goal = old.get_model("crm", "QuarterlyGoal").objects.create(year=2026, quarter=4, mqls=120, wins=9)

        new = migrate(leaves)

        moved = new.get_model("alignment", "QuarterlyGoal").objects.get(pk=goal.pk)
        assert (moved.year, moved.quarter, moved.mqls, moved.wins) == (2026, 4, 120, 9)
        relabelled = new.get_model("contenttypes", "ContentType").objects.get(pk=goal_type.pk)
        assert (relabelled.app_label, relabelled.model) == ("alignment", "quarterlygoal")
        assert not new.get_model("contenttypes", "ContentType").objects.filter(app_label="crm", model="quarterlygoal")
    finally:
        migrate(leaves)
