"""What a team that has used Tandem for weeks also has: quarterly goals, and the digests of past weeks.

The digests are built by the real builder (alignment.digests) as of each Monday 07:00 they would
have gone out, and recorded as delivered then to every member of their audience: the archive
reads as it would after those weeks, and Monday's run for a week already recorded sends nothing.
Nothing is really sent.
"""

import datetime
import math

from django.db.models import Avg
from django.utils import timezone

from alignment.digests import digest_refresh_state, weekly_digests_prepare
from alignment.models import DigestDelivery
from alignment.services import quarterly_goal_set
from crm.weeks import Quarter, Week
from handoffs.models import ServiceLevel
from leads.models import Lead

# The weekly digests go out on Monday at 07:00 (TIME_ZONE) for the week just ended.
DIGEST_HOUR = datetime.timedelta(hours=7)


def goals_write(*, first_day, now, manager):
    """Set goals for every quarter from the first demo day to the next quarter, from the team's weekly target."""
    level = ServiceLevel.current()
    mqls = level.weekly_mql_target * 13
    accepted = math.ceil(mqls * 0.6)
    wins = max(1, math.ceil(accepted * 0.2))
    deal = Lead.objects.filter(status=Lead.Status.WON).aggregate(avg=Avg("deal_value"))["avg"] or 20_000
    quarter = Quarter.of_week(Week.of_date(first_day))
    last = Quarter.of_week(Week.current(now))
    last = Quarter(last.year + last.number // 4, last.number % 4 + 1)
    written = 0
    while (quarter.year, quarter.number) <= (last.year, last.number):
        quarterly_goal_set(
            year=quarter.year,
            quarter=quarter.number,
            actor=manager,
            mqls=mqls,
            accepted=accepted,
            wins=wins,
            revenue=round(deal * wins, -3),
        )
        written += 1
        quarter = Quarter(quarter.year + quarter.number // 4, quarter.number % 4 + 1)
    return written


def digests_write(*, first_day, now):
    """Record the digests of every complete week since the first demo day whose Monday 07:00 has passed."""
    week, written = Week.of_date(first_day), 0
    while week.end + DIGEST_HOUR <= now:
        sent_at = week.end + DIGEST_HOUR
        weekly_digests_prepare(week=week, now=sent_at)
        deliveries = DigestDelivery.objects.filter(digest__week=week.label)
        deliveries.update(state=DigestDelivery.State.SENT, attempts=1, claimed_at=sent_at, sent_at=sent_at)
        for digest_id in set(deliveries.values_list("digest_id", flat=True)):
            digest_refresh_state(digest_id=digest_id)
        written += 1
        week = week.next()
    return written


def archive_write(*, first_day, now, managers):
    """Write the goals and the digest archive; return how many of each."""
    if not managers:
        return {"goals": 0, "digest_weeks": 0}
    goals = goals_write(first_day=first_day, now=now, manager=managers[0])
    return {"goals": goals, "digest_weeks": digests_write(first_day=first_day, now=now or timezone.now())}
