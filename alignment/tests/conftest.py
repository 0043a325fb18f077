"""A small, hand-built week whose every number is written in the tests (TIME_ZONE=UTC).

Week 2026-W10 runs Monday 2 March 00:00 to Monday 9 March 00:00. "Now" is Tuesday 10 March.

* L1 paid search (spring-search), mql → hand-off accepted after 4 h → sal → sql → won 1000;
  touches: paid_search (Mon), email (Tue, before sql), webinar (Wed, after sql, before won).
* L2 paid search (spring-search), mql → hand-off rejected in time (not_icp_fit) → disqualified.
* L3 webinar (webinar-x), mql → hand-off still pending, past its deadline: a breach.
* L4 referral, no campaign, stays new.
* L5 created the week before (W09), accepted then; in W10: sql → lost (price).
* L6 webinar (webinar-x), mql → hand-off accepted after 27 h (a breach) → sal, never contacted.
* Spend: spring-search 100 (Mon) + 200 (Sun) in W10, 50 on the next Monday; webinar-x none.
"""

import pytest

from alignment.tests.builders import build_week_2026_w10


@pytest.fixture
def week_data(db, users, settings):
    settings.TIME_ZONE = "UTC"
    return build_week_2026_w10(users)


@pytest.fixture
def eager_retries():
    """Let eager tasks retry in place: Celery only does so when eager exceptions do not propagate."""
    from crm.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True
