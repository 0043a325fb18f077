"""The service-level clock of a pending hand-off, as words: "5 h 12 min left" or "overdue by 3 h".

static/js/handoffs.js formats the same way when it ticks the clock down in the browser.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    overdue: bool
    seconds: int  # to the deadline, or past it when overdue
    text: str


def duration_text(seconds):
    """Return a whole-minute duration as "2 d 3 h", "30 h", "3 h 12 min", "12 min" or "under a minute"."""
    minutes = int(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    # Days only from two on: a 24 h service level reads "24 h left", not "1 d".
    days = hours // 24 if hours >= 48 else 0
    hours -= days * 24
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return "under a minute"


def sla_clock(deadline, now):
    """Return the clock of a deadline seen at ``now``."""
    delta = int((deadline - now).total_seconds())
    if delta < 0:
        return Clock(overdue=True, seconds=-delta, text=f"overdue by {duration_text(-delta)}")
    # Time left rounds up, like any countdown: a fresh 24 h hand-off shows "24 h left", not "23 h 59 min".
    return Clock(overdue=False, seconds=delta, text=f"{duration_text(-(-delta // 60) * 60)} left")
