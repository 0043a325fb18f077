"""Shape the weekly numbers for the dashboard: cards, chart series, tables. Computes no figure itself."""

from dataclasses import dataclass
from decimal import Decimal

from alignment.metrics import ATTRIBUTION_MODELS, money_str
from alignment.metrics.contact import WITHIN_MINUTES
from alignment.templatetags.tandem_metrics import channel_label, money, pct, reject_reason_label, status_label
from crm.money import browser_money_format, with_currency

FUNNEL_ORDER = ["new", "mql", "sal", "sql", "won", "lost", "recycled", "disqualified"]
ATTRIBUTION_LABELS = {"first_touch": "First touch", "last_touch": "Last touch before SQL", "linear": "Linear"}


@dataclass
class Card:
    key: str
    label: str
    value: str
    detail: str = ""
    delta: str = ""
    trend: str = ""  # "good", "bad" or "" (flat or unknown)

    @property
    def direction(self):
        """Return "up" or "down" as the figure moved, whether that was good or bad."""
        if self.delta.startswith("+"):
            return "up"
        if self.delta.startswith(("-", "−")):
            return "down"
        return ""


def _count_delta(now, before, *, higher_is_better=True):
    if before is None or now is None:
        return "", ""
    change = now - before
    if not change:
        return "no change", ""
    good = (change > 0) == higher_is_better
    return f"{change:+,}", "good" if good else "bad"


def _rate_delta(now, before):
    if now is None or before is None:
        return "", ""
    points = round((now - before) * 100)
    if not points:
        return "no change", ""
    return f"{points:+d} pts", "good" if points > 0 else "bad"


def _money_delta(now, before, *, higher_is_better=True):
    if now is None or before is None:
        return "", ""
    change = Decimal(now) - Decimal(before)
    if not change:
        return "no change", ""
    good = (change > 0) == higher_is_better
    return f"{'+' if change > 0 else '−'}{money(abs(change))}", "good" if good else "bad"


def headline_cards(m):
    """Return the six headline cards with their change against the week before."""
    now, before = m.this_week, m.previous
    cards = []
    delta, trend = _count_delta(now.new_leads, before.new_leads)
    cards.append(Card("new_leads", "New leads", f"{m.new_leads.total:,}", "created this week", delta, trend))
    delta, trend = _count_delta(now.mqls, before.mqls)
    cards.append(
        Card("mqls", "MQLs", f"{m.service_level.mqls:,}", f"of {m.service_level.mql_target:,} target", delta, trend)
    )
    delta, trend = _rate_delta(now.acceptance_rate, before.acceptance_rate)
    cards.append(
        Card(
            "acceptance",
            "Acceptance rate",
            pct(m.handoffs.acceptance_rate),
            f"{m.handoffs.accepted} accepted · {m.handoffs.rejected} rejected",
            delta,
            trend,
        )
    )
    delta, trend = _rate_delta(now.responded_in_time_rate, before.responded_in_time_rate)
    cards.append(
        Card(
            "service_level",
            "Service level met",
            pct(m.service_level.responded_in_time_rate),
            f"{m.service_level.breaches} breach{'es' if m.service_level.breaches != 1 else ''}",
            delta,
            trend,
        )
    )
    delta, trend = _count_delta(now.won, before.won)
    cards.append(Card("wins", "Wins", f"{m.outcomes.won:,}", f"revenue {money(m.outcomes.revenue)}", delta, trend))
    delta, trend = _money_delta(now.cost_per_lead, before.cost_per_lead, higher_is_better=False)
    cards.append(
        Card("cost_per_lead", "Cost per lead", money(m.cost_per_lead), f"spend {money(m.spend)}", delta, trend)
    )
    return cards


def chart_data(m):
    """Return every chart's series, for json_script (labels already human-readable)."""
    weeks = m.chart_weeks
    sources = sorted({source for point in weeks for source, n in point.new_leads_by_source.items() if n})
    funnel = [key for key in FUNNEL_ORDER if key in m.funnel]
    attribution_sources = sorted({s for model in ATTRIBUTION_MODELS for s in m.outcomes.revenue_by_source[model]})
    return {
        "week": m.week.label,
        "weeks": [point.week.label for point in weeks],
        "money": browser_money_format(),
        "leadsBySource": [
            {"label": channel_label(source), "data": [point.new_leads_by_source.get(source, 0) for point in weeks]}
            for source in sources
        ],
        "acceptance": [point.acceptance_rate for point in weeks],
        "serviceLevel": [point.responded_in_time_rate for point in weeks],
        "funnel": {"labels": [status_label(key) for key in funnel], "data": [m.funnel[key] for key in funnel]},
        "rejections": {
            "labels": [reject_reason_label(key) for key in m.handoffs.rejected_by_reason],
            "data": list(m.handoffs.rejected_by_reason.values()),
        },
        "capacity": {
            "labels": [row.name for row in m.capacity],
            "open": [row.open_leads for row in m.capacity],
            "capacity": [row.capacity for row in m.capacity],
        },
        "speed": speed_chart(m.first_contact),
        "attribution": {
            "labels": [channel_label(source) for source in attribution_sources],
            "models": {
                model: {
                    "label": ATTRIBUTION_LABELS[model],
                    "data": [
                        float(m.outcomes.revenue_by_source[model].get(source, 0)) for source in attribution_sources
                    ],
                }
                for model in ATTRIBUTION_MODELS
            },
        },
    }


def speed_chart(first_contact):
    """Return the speed-to-lead chart: the shares contacted in time, for the whole team and per rep."""
    groups = [("All", first_contact.overall), *first_contact.by_rep.items()]
    series = [(f"Within {limit} min", lambda f, limit=limit: f.within_rates.get(limit)) for limit in WITHIN_MINUTES]
    series.append(("Within the SLA", lambda f: f.within_sla_rate))
    return {
        "labels": [label for label, _ in groups],
        "series": [{"label": label, "data": [rate(f) for _, f in groups]} for label, rate in series],
    }


def speed_rows(first_contact):
    """Return the speed-to-lead table: the team, each rep, then each source."""
    rows = [{"group": "team", "label": "All", "figures": first_contact.overall}]
    rows += [{"group": "rep", "label": rep, "figures": f} for rep, f in first_contact.by_rep.items()]
    rows += [{"group": "source", "label": channel_label(s), "figures": f} for s, f in first_contact.by_source.items()]
    return rows


def attribution_rows(m):
    """Return revenue per source under each model, one row per source."""
    by_model = m.outcomes.revenue_by_source
    sources = sorted({s for model in ATTRIBUTION_MODELS for s in by_model[model]})
    return [
        {"source": source, "amounts": [by_model[model].get(source, Decimal("0")) for model in ATTRIBUTION_MODELS]}
        for source in sources
    ]


def campaigns_csv_rows(m):
    """Return the campaign table as CSV rows (header first)."""
    header = [
        "campaign",
        "slug",
        "spend",
        "new_leads",
        "mqls",
        "wins",
        "revenue",
        "cost_per_lead",
        "cost_per_win",
        "roi",
    ]
    yield with_currency(header, {"spend", "revenue", "cost_per_lead", "cost_per_win"})
    for row in m.campaigns:
        yield [
            row.name,
            row.slug,
            money_str(row.spend),
            row.new_leads,
            row.mqls,
            row.wins,
            money_str(row.revenue),
            money_str(row.cost_per_lead) or "",
            money_str(row.cost_per_win) or "",
            "" if row.roi is None else row.roi,
        ]
