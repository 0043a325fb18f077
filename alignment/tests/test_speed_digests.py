"""Speed to lead in the digests: marketing by source, each sales rep their own figures, managers per rep."""

import datetime

import pytest
import time_machine
from django.core import mail

from alignment.digests import OWN_SPEED_MARKER
from alignment.models import Digest
from alignment.tasks import send_weekly_digests
from alignment.tests.speed_builders import build_speed_week

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def sent(settings, users, make_user, django_capture_on_commit_callbacks):
    settings.TIME_ZONE = "UTC"
    settings.DIGEST_WEBHOOKS = {}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    build_speed_week(make_user)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        send_weekly_digests.delay("2026-W10").get()
    return {m.to[0]: m for m in mail.outbox}


def test_every_digest_has_the_teams_speed_to_lead(sent):
    team = (
        "- Team: 6 hand-offs to contact; median 35 min, 90th percentile 9 h; within 5/30/60 min 17% / 33% / 50%; "
        "in SLA 50%; not contacted yet 33%"
    )
    for address in ("mia@example.com", "sid@example.com", "max@example.com"):
        assert team in sent[address].body, address
        assert "Speed to lead" in sent[address].alternatives[0][0]


def test_each_sales_rep_reads_their_own_figures(sent):
    rae, rob, sid = sent["rae@example.com"], sent["rob@example.com"], sent["sid@example.com"]
    # rae: 4 and 25 working minutes, both in time.
    own = "- You: 2 hand-offs to contact; median 14 min, 90th percentile 25 min; within 5/30/60 min 50% / 100% / 100%"
    assert own in rae.body and "in SLA 100%; not contacted yet 0%" in rae.body
    assert "You:</strong> 2 hand-offs to contact; median 14 min" in rae.alternatives[0][0]
    # rob: 45 and 540 minutes, one never contacted.
    assert "- You: 3 hand-offs to contact; median 4 h 52 min, 90th percentile 9 h" in rob.body
    assert "- You: no hand-off of the week was yours to contact." in sid.body
    assert "By rep:" not in rae.body  # a rep sees their own figures, not their colleagues'
    assert OWN_SPEED_MARKER not in rae.body + rae.alternatives[0][0]


def test_managers_read_the_figures_per_rep_and_marketing_by_source(sent):
    managers, marketing = sent["max@example.com"].body, sent["mia@example.com"].body
    assert "By rep:\n- rae: 2, median 14 min, 90th percentile 25 min, in SLA 100%, not contacted 0%" in managers
    assert "- rob: 3, median 4 h 52 min, 90th percentile 9 h, in SLA 33%, not contacted 33%" in managers
    assert "- unassigned: 1, median —, 90th percentile —, in SLA 0%, not contacted 100%" in managers
    assert "By source:\n- E-mail: 3, median 45 min, in SLA 67%, not contacted 0%" in marketing
    assert "By rep:" not in marketing and "- You:" not in managers


def test_the_archive_shows_a_sales_digest_with_the_readers_own_figures(sent, client, users, make_user):
    digest = Digest.objects.get(week="2026-W10", audience="sales")
    assert OWN_SPEED_MARKER in digest.text_body  # stored once for the audience, filled in per reader
    client.force_login(users["managers"])
    page = client.get(f"/digests/{digest.pk}/").content.decode()
    assert "Each rep&#x27;s own figures appear here in the e-mail sent to them." in page
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="rae"))
    page = client.get(f"/digests/{digest.pk}/").content.decode()
    assert "- You: 2 hand-offs to contact; median 14 min" in page and OWN_SPEED_MARKER not in page
