"""Celery is wired for real: a worker process runs a task through the broker."""

import pytest
from django.conf import settings

from crm.celery import app
from crm.tasks import ping


def test_beat_runs_the_weekly_digest_on_monday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-digests"]
    schedule = entry["schedule"]
    assert entry["task"] == "crm.tasks.send_weekly_digests"
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}


def test_tasks_are_acknowledged_late_with_time_limits():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    assert app.conf.task_serializer == "json"


@pytest.mark.worker
@pytest.mark.redis
def test_a_real_worker_runs_a_task_through_the_broker(celery_worker_process):
    result = ping.delay()
    payload = result.get(timeout=30)
    assert payload["pong"] is True
    if settings.REDIS_URL:
        assert app.conf.broker_url.startswith("redis://")
