"""Stored figures of complete weeks: the report reads nine rows instead of nine weeks of leads.

:func:`alignment.metrics.weekly_metrics` asks :func:`read` for the nine weeks it reports. When every
week's stored row is still valid it uses them (spend, capacity and the goal targets are always
read live); otherwise it computes the figures from the rows and :meth:`Stored.save` keeps those
of complete weeks for the next reader.

Why a stored row can be trusted (PostgreSQL only; on other databases nothing is stored):

* Triggers (migration ``crm/0004``) append to ``RollupChange`` a count per hour of the times
  of every row a week's figures read, whenever such a row is inserted, changed or deleted
  later than an hour after its time — a hand-off answered days later, a lead edited, merged
  or deleted, a backdated row, a renamed campaign (an entry at ``-infinity``, inside every range).
* A week's stamps are the sums of those counts over the week (and, for the goals, from the
  quarter's start to the week) read *before* its figures are computed. A row is used only while
  the sums are unchanged: a change that committed after the stamps were read, even one the
  computation saw, moves the sum, so the row is never trusted.
* Changes to rows less than an hour old note nothing (captures, imports and fresh hand-offs
  pay nothing), so a week is stored only when it ended at least ``STORE_AFTER`` ago by the
  database's clock: a write skipped this way must then have started hours before the
  figures were computed (no transaction here runs for hours).
* Time alone changes some figures (a pending hand-off turns a breach at its deadline): a row
  holds until the first such deadline after the ``now`` it was computed for.
"""

import datetime
import json
from decimal import Decimal

from django.conf import settings
from django.db import connection

from alignment.metrics.figures import (
    CampaignFigures,
    Handoffs,
    NewLeads,
    Outcomes,
    ServiceLevelFigures,
    TrendPoint,
    WeekFigures,
)
from crm.weeks import Quarter

STORE_AFTER = datetime.timedelta(hours=6)
# Bump when what encode_point or encode_detail writes changes: rows of another format are computed again.
FORMAT = 1


def enabled():
    return connection.vendor == "postgresql" and getattr(settings, "METRICS_ROLLUPS", True)


_READ = """
WITH w(i, label, start, stop, qstart) AS (VALUES {values})
SELECT w.i,
  (SELECT coalesce(sum(c.n), 0)::bigint FROM crm_rollupchange c
    WHERE (c.hour >= date_trunc('hour', w.start) AND c.hour < w.stop) OR c.hour = '-infinity'),
  (SELECT coalesce(sum(c.n), 0)::bigint FROM crm_rollupchange c
    WHERE c.hour >= date_trunc('hour', w.qstart) AND c.hour < w.start),
  r.week_stamp, r.quarter_stamp, r.computed_for, r.valid_until, r.hours_to_first_contact, r.point,
  CASE WHEN w.i = {last} THEN r.detail END,
  clock_timestamp()
FROM w LEFT JOIN crm_weekrollup r ON r.week = w.label AND r.time_zone = %s
ORDER BY w.i
"""


class Stored:
    """The stored rows of the nine weeks, their current stamps, and what may be saved after a miss."""

    def __init__(self, weeks, now, level, rows):
        self.weeks, self.now, self.level = weeks, now, level
        self.stamps = {}  # week index -> (week stamp, quarter stamp) read before computing
        self.valid_points = {}
        self.detail = None
        self.db_now = None
        last = len(weeks) - 1
        for i, week_stamp, quarter_stamp, *row, detail, db_now in rows:
            self.db_now = db_now
            self.stamps[i] = (week_stamp, quarter_stamp)
            stored_week, stored_quarter, computed_for, valid_until, hours, point = row
            point, detail = _json(point), _json(detail)
            if not _current(point) or stored_week != week_stamp or not _holds(computed_for, valid_until, now):
                continue
            self.valid_points[i] = point
            same_level = hours == level.hours_to_first_contact  # the contact figures depend on it
            if i == last and _current(detail) and stored_quarter == quarter_stamp and same_level:
                self.detail = detail
        self.figures = None
        if self.detail is not None and len(self.valid_points) == len(weeks):
            self.figures = decode(self.valid_points, self.detail, weeks)

    def storable(self, i):
        return self.db_now is not None and self.weeks[i].end <= self.db_now - STORE_AFTER

    def save(self, figures):
        """Store the complete weeks of freshly computed ``figures`` whose stored rows were not valid."""
        last = len(self.weeks) - 1
        rows = []
        for i, week in enumerate(self.weeks):
            has_detail = i == last
            if not self.storable(i) or (i in self.valid_points and not has_detail):
                continue
            week_stamp, quarter_stamp = self.stamps[i]
            rows.append(
                [
                    week.label,
                    settings.TIME_ZONE,
                    week_stamp,
                    quarter_stamp if has_detail else None,
                    self.now,
                    figures.valid_until[i],
                    self.level.hours_to_first_contact,
                    json.dumps(encode_point(figures.points[i])),
                    json.dumps(encode_detail(figures)) if has_detail else None,
                ]
            )
        if rows:
            # One statement (no transaction of its own): a row per week, replacing what was stored.
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, clock_timestamp())"] * len(rows))
            with connection.cursor() as cursor:
                cursor.execute(_SAVE.format(values=values), [value for row in rows for value in row])


_SAVE = """
INSERT INTO crm_weekrollup (week, time_zone, week_stamp, quarter_stamp, computed_for, valid_until,
                            hours_to_first_contact, point, detail, stored_at)
VALUES {values}
ON CONFLICT (week, time_zone) DO UPDATE SET
  week_stamp = excluded.week_stamp, quarter_stamp = excluded.quarter_stamp, computed_for = excluded.computed_for,
  valid_until = excluded.valid_until, hours_to_first_contact = excluded.hours_to_first_contact,
  point = excluded.point, detail = excluded.detail, stored_at = excluded.stored_at
"""


def _json(value):
    return json.loads(value) if isinstance(value, str) else value  # Django leaves jsonb undecoded


def _current(data):
    return data is not None and data.get("format") == FORMAT


def _holds(computed_for, valid_until, now):
    return computed_for <= now and (valid_until is None or now < valid_until)


def read(weeks, *, now, level):
    """Return the stored rows of ``weeks`` as a Stored (one query), or None where nothing is stored."""
    if not enabled():
        return None
    values, params = [], []
    for i, week in enumerate(weeks):
        values.append("(%s, %s, %s, %s, %s)")  # psycopg2 sends datetimes as timestamptz
        params += [i, week.label, week.start, week.end, min(week.start, Quarter.of_week(week).start)]
    sql = _READ.format(values=", ".join(values), last=len(weeks) - 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, settings.TIME_ZONE])
        rows = cursor.fetchall()
    return Stored(weeks, now, level, rows)


# --- Encoding: JSON keeps no key order (jsonb), so dicts travel as lists of pairs ---------------


def _pairs(mapping, value=lambda v: v):
    return [[key, value(item)] for key, item in mapping.items()]


def _dict(pairs, value=lambda v: v):
    return {key: value(item) for key, item in pairs}


def _money(value):
    return None if value is None else str(value)


def _decimal(value):
    return None if value is None else Decimal(value)


def encode_point(point):
    return {
        "format": FORMAT,
        "new_leads": point.new_leads,
        "mqls": point.mqls,
        "accepted": point.accepted,
        "rejected": point.rejected,
        "won": point.won,
        "revenue": _money(point.revenue),
        "responded_in_time": point.responded_in_time,
        "breaches": point.breaches,
        "new_leads_by_source": _pairs(point.new_leads_by_source),
    }


def decode_point(data, week):
    return TrendPoint(
        week=week,
        new_leads=data["new_leads"],
        mqls=data["mqls"],
        accepted=data["accepted"],
        rejected=data["rejected"],
        won=data["won"],
        revenue=_decimal(data["revenue"]),
        responded_in_time=data["responded_in_time"],
        breaches=data["breaches"],
        new_leads_by_source=_dict(data["new_leads_by_source"]),
    )


def encode_detail(figures):
    handoffs, level, outcomes = figures.handoffs, figures.service_level, figures.outcomes
    return {
        "format": FORMAT,
        "new_leads": {
            "total": figures.new_leads.total,
            "by_source": _pairs(figures.new_leads.by_source),
            "by_campaign": _pairs(figures.new_leads.by_campaign),
        },
        "funnel": _pairs(figures.funnel),
        "mqls_by_source": _pairs(figures.mqls_by_source),
        "handoffs": {
            "created": handoffs.created,
            "accepted": handoffs.accepted,
            "rejected": handoffs.rejected,
            "pending": handoffs.pending,
            "acceptance_rate": handoffs.acceptance_rate,
            "rejected_by_reason": _pairs(handoffs.rejected_by_reason),
            "median_hours_to_accept": handoffs.median_hours_to_accept,
            "over_capacity": handoffs.over_capacity,
            "received_by_rep": _pairs(handoffs.received_by_rep),
        },
        "service_level": {
            "responded_in_time_rate": level.responded_in_time_rate,
            "first_contact_in_time_rate": level.first_contact_in_time_rate,
            "responded_in_time": level.responded_in_time,
            "breaches": level.breaches,
        },
        "outcomes": {
            "won": outcomes.won,
            "revenue": _money(outcomes.revenue),
            "lost": outcomes.lost,
            "lost_by_reason": _pairs(outcomes.lost_by_reason),
            "won_by_source": _pairs(outcomes.won_by_source),
            "revenue_by_source": [[model, _pairs(by, _money)] for model, by in outcomes.revenue_by_source.items()],
        },
        "campaigns": [
            [row.slug, row.name, row.new_leads, row.mqls, row.wins, _money(row.revenue)]
            for row in figures.campaigns.values()
        ],
        "goal_totals": {**figures.goal_totals, "revenue": _money(figures.goal_totals["revenue"])},
    }


def decode(points, detail, weeks):
    """Rebuild a alignment.WeekFigures from stored points (by week index) and W's detail."""
    h, sl, o = detail["handoffs"], detail["service_level"], detail["outcomes"]
    campaigns = {
        slug: CampaignFigures(
            slug=slug, name=name, new_leads=new_leads, mqls=mqls, wins=wins, revenue=_decimal(revenue)
        )
        for slug, name, new_leads, mqls, wins, revenue in detail["campaigns"]
    }
    return WeekFigures(
        points=[decode_point(points[i], week) for i, week in enumerate(weeks)],
        new_leads=NewLeads(
            total=detail["new_leads"]["total"],
            by_source=_dict(detail["new_leads"]["by_source"]),
            by_campaign=_dict(detail["new_leads"]["by_campaign"]),
        ),
        funnel=_dict(detail["funnel"]),
        mqls_by_source=_dict(detail["mqls_by_source"]),
        handoffs=Handoffs(
            created=h["created"],
            accepted=h["accepted"],
            rejected=h["rejected"],
            pending=h["pending"],
            acceptance_rate=h["acceptance_rate"],
            rejected_by_reason=_dict(h["rejected_by_reason"]),
            median_hours_to_accept=h["median_hours_to_accept"],
            over_capacity=h["over_capacity"],
            received_by_rep=_dict(h["received_by_rep"]),
        ),
        service_level=ServiceLevelFigures(
            responded_in_time_rate=sl["responded_in_time_rate"],
            first_contact_in_time_rate=sl["first_contact_in_time_rate"],
            responded_in_time=sl["responded_in_time"],
            breaches=sl["breaches"],
        ),
        outcomes=Outcomes(
            won=o["won"],
            revenue=_decimal(o["revenue"]),
            lost=o["lost"],
            lost_by_reason=_dict(o["lost_by_reason"]),
            won_by_source=_dict(o["won_by_source"]),
            revenue_by_source={model: _dict(by, _decimal) for model, by in o["revenue_by_source"]},
        ),
        campaigns=campaigns,
        goal_totals={**detail["goal_totals"], "revenue": _decimal(detail["goal_totals"]["revenue"])},
        valid_until=[None] * len(weeks),
    )


def compact():
    """Merge the change notes into one row per hour (the sums, and so every stamp, stay the same)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH gone AS (DELETE FROM crm_rollupchange RETURNING hour, n) "
            "INSERT INTO crm_rollupchange (hour, n) SELECT hour, sum(n) FROM gone GROUP BY hour"
        )
