"""Query expressions that place rows in weeks: one grouped pass counts all nine weeks at once."""

from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    Q,
    Value,
    When,
)


def in_week(field_name, week):
    return Q(**{f"{field_name}__gte": week.start, f"{field_name}__lt": week.end})


def on_days(field_name, week):
    return Q(**{f"{field_name}__gte": week.first_day, f"{field_name}__lte": week.last_day})


def week_index(field_name, weeks, within=None):
    """Return the index of the week a row's ``field_name`` falls in (weeks are contiguous, oldest first).

    ``within`` tells whether the field falls in a week (default: the week's times; _on_days for dates).

    Grouping by this index counts every week in one pass with one aggregate per figure,
    where a ``FILTER`` per week and figure made PostgreSQL sort the rows once per aggregate.
    """
    within = within or in_week
    return Case(
        *[When(within(field_name, w), then=Value(i)) for i, w in enumerate(weeks)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def only_in_week(week, time_field, value_field):
    """Return ``value_field`` for rows of the week and NULL for the others (detail for W alone)."""
    return Case(When(in_week(time_field, week), then=F(value_field)), default=Value(None), output_field=CharField())
