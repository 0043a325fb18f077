"""Pages, the report API and the digest build, measured in-process through Django's test client,
next to their floors and peers: the raw SQL of the report and the stock admin changelist."""

import psycopg2
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from alignment import digests
from alignment.metrics import weekly_metrics
from alignment.models import WeekRollup
from bench.harness import Figure, measure, server_dsn
from crm.weeks import Week
from leads.models import Lead

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username), backend=BACKEND)
    return client


SIGN_IN_MARK = 'name="password"'


class PageCheckFailed(RuntimeError):
    """A measured page did not answer 200 with its own content: its timing would be of another page."""


def _get(client, url, expect):
    """A call that GETs ``url`` and fails the run unless it answers 200 with ``expect`` in the body
    and is not the sign-in page (issue 19: a peer once timed a redirect to it)."""

    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise PageCheckFailed(f"GET {url} answered {response.status_code} {response.get('Location', '')}")
        body = response.content
        if expect.encode() not in body or SIGN_IN_MARK.encode() in body:
            raise PageCheckFailed(f"GET {url} answered 200 without {expect!r}, or with the sign-in form")
        return response

    return call


def raw_report_sql(week):
    """Return the SQL statements the weekly report runs, exactly as PostgreSQL received them."""
    with CaptureQueriesContext(connection) as captured:
        weekly_metrics(week)
    return [query["sql"] for query in captured.captured_queries]


def _run_raw(statements):
    def call():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return call


def _build_digests(week):
    def call():
        metrics = weekly_metrics(week)
        for audience in digests.Audience:
            digests.digest_render(metrics=metrics, audience=audience)

    return call


# What each measured page must show (beside answering 200), so a figure is of that page.
DASHBOARD_MARK = 'data-testid="week-label"'
LIST_MARK = '<h1 class="h3 mb-0">Leads</h1>'
ADMIN_MARK = "Select lead to change"
INBOX_MARK = '<h1 class="h3 mb-0">Hand-offs</h1>'

FLOOR = "weekly report: raw SQL from the rows (floor)"
STORED_READ = "weekly report: raw SQL of the stored-week read"


def _from_the_rows(call):
    """Run ``call`` with nothing stored (metrics.rollups): the numbers are computed from the rows, then stored.

    The stored weeks are deleted over a connection of their own, so the call's query count is its own.
    """
    dsn = server_dsn(connection.settings_dict["NAME"])

    def cold():
        with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
            cursor.execute(f"DELETE FROM {WeekRollup._meta.db_table}")
        conn.close()
        return call()

    return cold


def weekly_figures(*, runs, week=None):
    """Dashboard, report API and their floor, for the week (default: the last complete one).

    Each is measured twice: as a reader finds it once the week is stored (the first view of the
    week, or the Monday task, stores it) and with nothing stored (each run first deletes the
    stored weeks, so it computes the numbers from the rows). The floor is the raw SQL that
    computes the numbers from the rows; the stored-week read's own SQL is shown beside it.
    """
    week = week or Week.last_complete(timezone.now())
    manager = _client("boss")
    with override_settings(METRICS_ROLLUPS=False):
        from_rows = raw_report_sql(week)
    floor = measure(FLOOR, _run_raw(from_rows), runs=runs)
    report_url, dashboard_url = f"/api/v1/reports/weekly/?week={week.label}", f"/?week={week.label}"
    report = measure("weekly report API", _get(manager, report_url, week.label), runs=runs)
    dashboard = measure("dashboard page", _get(manager, dashboard_url, DASHBOARD_MARK), runs=runs)
    stored_read = measure(STORED_READ, _run_raw(raw_report_sql(week)), runs=runs)
    cold_report = measure(
        "weekly report API, nothing stored", _from_the_rows(_get(manager, report_url, week.label)), runs=runs, warmup=1
    )
    cold_dashboard = measure(
        "dashboard page, nothing stored",
        _from_the_rows(_get(manager, dashboard_url, DASHBOARD_MARK)),
        runs=runs,
        warmup=1,
    )
    for figure in (report, dashboard, cold_report, cold_dashboard):
        figure.extra["vs"] = floor.name
        figure.extra["ratio"] = round(figure.p95 / floor.p95, 2) if floor.p95 else None
    _get(manager, report_url, week.label)()  # leave the week stored for what follows (the digest)
    return [floor, report, dashboard, stored_read, cold_report, cold_dashboard]


def list_figures(*, runs):
    """The lead list (default view, by status, a search) against the stock admin changelist."""
    rep = _client("rep01")
    manager = _client("boss")
    admin = _client("admin")
    # A search term that hits some leads: a company word of the data set.
    cases = [
        ("default view", "/leads/", rep, "/bench-admin/leads/lead/"),
        ("filtered by status", "/leads/?status=sql", manager, "/bench-admin/leads/lead/?status__exact=sql"),
        ("search", "/leads/?q=globex", manager, "/bench-admin/leads/lead/?q=globex"),
    ]
    figures = []
    for label, url, client, admin_url in cases:
        peer = measure(f"admin changelist: {label} (peer)", _get(admin, admin_url, ADMIN_MARK), runs=runs)
        ours = measure(f"lead list: {label}", _get(client, url, LIST_MARK), runs=runs)
        ours.extra["vs"] = peer.name
        ours.extra["ratio"] = round(ours.p95 / peer.p95, 2) if peer.p95 else None
        figures += [peer, ours]
    return figures


def detail_and_inbox_figures(*, runs, long_lead_id):
    figures = []
    lead = Lead.objects.filter(pk=long_lead_id).select_related("owner").first() if long_lead_id else None
    if lead is not None:
        owner = _client(lead.owner.username)
        figure = measure(
            "lead detail (long timeline)", _get(owner, f"/leads/{lead.pk}/", 'data-testid="lead-name"'), runs=runs
        )
        figure.extra["timeline_rows"] = lead.touchpoints.count() + lead.activities.count()
        figures.append(figure)
    figures.append(measure("hand-off inbox (rep)", _get(_client("rep01"), "/handoffs/", INBOX_MARK), runs=runs))
    figures.append(measure("hand-off inbox (manager)", _get(_client("boss"), "/handoffs/", INBOX_MARK), runs=runs))
    return figures


def digest_figures(*, runs, week=None):
    """The digest build as the Monday task finds it (the week stored by alignment.tasks.store_last_week), and cold."""
    week = week or Week.last_complete(timezone.now())
    weekly_metrics(week)
    stored = measure("digest build, all three audiences", _build_digests(week), runs=runs)
    cold = measure("digest build, nothing stored", _from_the_rows(_build_digests(week)), runs=runs, warmup=1)
    return [stored, cold]


def growth_pair(small, large):
    """Return the growth figure: the same week's dashboard and report with 10× more history."""
    figure = Figure(name="growth: dashboard with 10× history (p95 ratio)", unit="×")
    figure.value = round(large.p95 / small.p95, 2) if small.p95 else None
    figure.extra = {"small_p95_ms": round(small.p95, 2), "large_p95_ms": round(large.p95, 2)}
    return figure
