"""Generate a benchmark data set straight into PostgreSQL with COPY.

Leads arrive week by week, oldest first (ids grow with time, as in a real CRM), each
with its touchpoints, the status history the lifecycle allows, its hand-off and the
reps' activities. Every invariant the services keep holds on the result: a lead's status
is the last ``to_status`` of its history and each step is allowed by
``leads.models.TRANSITIONS``; MQLs come from the real scoring rules at capture time;
won leads have a deal value, lost ones a reason, rejected hand-offs a reason; at most one
hand-off per lead is pending; nothing happens after ``now``.

Each week is drawn from its own random generator, seeded by (seed, weeks before now), so
two data sets at the same weekly rate share their recent weeks row for row: the growth
figure compares the same week with 10× more history behind it.
"""

import datetime
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from alignment.metrics import rollups
from campaigns.models import Campaign
from crm.roles import MANAGERS, MARKETING, SALES
from handoffs.models import SalesRep, ServiceLevel
from leads import scoring
from leads.bulk_sql import copy_text
from leads.models import TRANSITIONS, CaptureForm, IdealCustomerProfile, Lead, ScoringRule

S = Lead.Status
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
PASSWORD = "tandem-bench"
REPS = 20
CAMPAIGN_CHANNELS = [
    "email",
    "paid_search",
    "paid_social",
    "organic_social",
    "content",
    "events",
    "webinar",
    "referral",
    "direct_mail",
    "other",
]
UTM = {  # channel → (utm_source, utm_medium) that leads.channels maps back to it
    "email": ("newsletter", "email"),
    "paid_search": ("google", "cpc"),
    "paid_social": ("linkedin", "paid_social"),
    "organic_social": ("linkedin", "social"),
    "content": ("blog", "content"),
    "events": ("expo", "events"),
    "webinar": ("zoom", "webinar"),
    "referral": ("partner", "referral"),
    "direct_mail": ("postcard", "direct_mail"),
    "other": ("misc", "other"),
}
INDUSTRIES = ["software", "saas", "manufacturing", "retail", "finance", "healthcare", "education", "logistics"]
TITLES = ["Head of Marketing", "VP Sales", "Director of IT", "Engineer", "Analyst", "CEO", "Office Manager", "Intern"]
COUNTRIES = ["DE", "US", "GB", "FR", "NL", "ES", "IT", "PL", "SE", "BR"]
FIRST = ["Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gia", "Hugo", "Ida", "Jon", "Kim", "Lea", "Max", "Noa", "Ola"]
LAST = ["Meyer", "Smith", "Rossi", "Dubois", "Novak", "Berg", "Silva", "Khan", "Ito", "Lund", "Costa", "Weber"]
REJECT_REASONS = ["not_icp_fit", "no_budget", "bad_contact_data", "duplicate", "not_ready", "other"]
LOST_REASONS = ["price", "competitor", "no_decision", "timing", "no_budget", "features", "other"]
CAMPAIGNS_PER_YEAR = 500
# Part of a data set's signature: a seeded database of another version is seeded again.
GENERATOR_VERSION = 2


@dataclass
class Shape:
    """What a data set holds: ``leads`` spread evenly over ``weeks`` weeks before now."""

    leads: int
    weeks: int = 52
    seed: int = 7

    @property
    def per_week(self):
        return self.leads / self.weeks

    def label(self):
        return f"{self.leads} leads over {self.weeks} weeks (seed {self.seed}, generator v{GENERATOR_VERSION})"


@dataclass
class Copier:
    """Buffers rows of one table in COPY text format and flushes them in large chunks."""

    table: str
    columns: tuple
    pending: list = field(default_factory=list)
    total: int = 0

    @property
    def rows(self):
        return len(self.pending)

    def add(self, *values):
        self.pending.append(values)

    def flush(self):
        if not self.pending:
            return
        # The import's COPY writer (escapes included), so both load the same text format.
        text = copy_text(self.pending)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT text)", io.StringIO(text)
            )
        self.total += len(self.pending)
        self.pending = []


def _setup_people_and_rules():
    """Create the team, the service level, the ICP, the scoring rules and a capture form."""
    User = get_user_model()
    # One hash for every bench user: PBKDF2 per user would cost more than the leads.
    password = make_password(PASSWORD)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (MARKETING, SALES, MANAGERS)}
    people = {"reps": [], "marketers": [], "managers": []}
    for i in range(1, REPS + 1):
        user = User.objects.create(
            username=f"rep{i:02d}", email=f"rep{i:02d}@bench.example", password=password, first_name=f"Rep {i}"
        )
        user.groups.add(groups[SALES])
        SalesRep.objects.create(user=user, capacity=None)
        people["reps"].append(user)
    for i in range(1, 6):
        user = User.objects.create(
            username=f"mkt{i}", email=f"mkt{i}@bench.example", password=password, first_name=f"Marketer {i}"
        )
        user.groups.add(groups[MARKETING])
        people["marketers"].append(user)
    boss = User.objects.create(username="boss", email="boss@bench.example", password=password, first_name="Morgan")
    boss.groups.add(groups[MANAGERS])
    people["managers"].append(boss)
    User.objects.create(
        username="admin", email="admin@bench.example", password=password, is_staff=True, is_superuser=True
    )
    level = ServiceLevel.current()
    level.weekly_mql_target = 5000
    level.default_rep_capacity = 2000
    level.save()
    profile = IdealCustomerProfile.current()
    profile.industries = ["software", "saas", "finance"]
    profile.company_size_min, profile.company_size_max = 50, 5000
    profile.countries = ["DE", "US", "GB", "FR", "NL"]
    profile.title_keywords = ["head", "vp", "director", "ceo"]
    profile.mql_threshold = 50
    profile.save()
    for field_name, operator, value, points in [
        ("industry", "in", "software,saas,finance", 25),
        ("company_size", "gte", "50", 20),
        ("title", "contains", "head", 15),
        ("title", "contains", "vp", 15),
        ("title", "contains", "director", 15),
        ("country", "in", "de,us,gb,fr,nl", 10),
        ("source", "in", "webinar,events,referral", 10),
        ("phone", "present", "", 5),
    ]:
        ScoringRule.objects.create(field=field_name, operator=operator, value=value, points=points)
    form = CaptureForm.objects.create(name="Bench website", key="benchform", allowed_origins="http://127.0.0.1")
    return people, scoring.ScoringConfig.load(), form


def _campaigns(shape, now, marketers):
    """Create the campaigns (500 a year, each running 4 to 16 weeks), two variants each, and weekly spend."""
    count = max(10, round(CAMPAIGNS_PER_YEAR * shape.weeks / 52))
    first_day = (now - datetime.timedelta(weeks=shape.weeks)).date()
    rng = random.Random(f"{shape.seed}:campaigns:{shape.weeks}")
    campaigns = []
    for i in range(count):
        # Spread start dates over the span, in order; the last ones are still running.
        start = first_day + datetime.timedelta(days=int(i * shape.weeks * 7 / count))
        end = start + datetime.timedelta(weeks=rng.randint(4, 16))
        channel = CAMPAIGN_CHANNELS[i % len(CAMPAIGN_CHANNELS)]
        campaigns.append(
            Campaign(
                name=f"{channel.replace('_', ' ').title()} {start:%Y-%m} #{i}",
                slug=f"c{i:05d}-{channel.replace('_', '-')}",
                channel=channel,
                status=Campaign.Status.COMPLETED if end < now.date() else Campaign.Status.ACTIVE,
                start_date=start,
                end_date=end,
                budget=Decimal(rng.randint(20, 400) * 100),
                owner=marketers[i % len(marketers)],
                utm_campaign=f"c{i:05d}",
            )
        )
    Campaign.objects.bulk_create(campaigns, batch_size=2000)
    campaigns = list(Campaign.objects.order_by("pk"))
    variants = Copier("campaigns_variant", ("campaign_id", "name", "utm_content", "description"))
    spend = Copier("campaigns_spend", ("campaign_id", "date", "amount", "note", "created_at"))
    for campaign in campaigns:
        variants.add(campaign.pk, "A", "a", "")
        variants.add(campaign.pk, "B", "b", "")
        day = campaign.start_date
        while day <= min(campaign.end_date, now.date()):
            spend.add(campaign.pk, day, f"{rng.randint(100, 2500)}.{rng.randint(0, 99):02d}", "", now)
            day += datetime.timedelta(days=7)
    variants.flush()
    spend.flush()
    variant_ids = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT campaign_id, utm_content, id FROM campaigns_variant")
        for campaign_id, content, pk in cursor.fetchall():
            variant_ids[(campaign_id, content)] = pk
    return campaigns, variant_ids


def _active_by_week(campaigns, week_starts):
    """Return, per week start, the campaigns running that week (the first touches leads can have)."""
    active = []
    for start in week_starts:
        day = start.date()
        running = [c for c in campaigns if c.start_date <= day + datetime.timedelta(days=6) and c.end_date >= day]
        active.append(running)
    return active


LEAD_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "industry",
    "company_size",
    "country",
    "source",
    "first_touch_campaign_id",
    "last_touch_campaign_id",
    "status",
    "score",
    "fit",
    "owner_id",
    "deal_value",
    "lost_reason",
    "created_at",
    "updated_at",
    "status_changed_at",
    "version",
]
TOUCH_COLUMNS = [
    "lead_id",
    "campaign_id",
    "variant_id",
    "form_id",
    "kind",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "page_url",
    "note",
    "recorded_by_id",
    "occurred_at",
]
CHANGE_COLUMNS = ["lead_id", "from_status", "to_status", "changed_by_id", "changed_at", "note"]
ACTIVITY_COLUMNS = ["lead_id", "kind", "user_id", "subject", "body", "occurred_at", "assignee_id", "due_at", "done_at"]
HANDOFF_COLUMNS = [
    "lead_id",
    "created_by_id",
    "assigned_to_id",
    "context_note",
    "created_at",
    "accept_deadline",
    "over_capacity",
    "outcome",
    "responded_at",
    "responded_by_id",
    "reject_reason",
    "feedback",
    "first_contact_deadline",
    "first_contact_at",
]


def _hours(rng, median, sigma=0.9):
    return datetime.timedelta(hours=median * rng.lognormvariate(0, sigma))


class _Lifecycle:
    """Walks one lead through the lifecycle, never past now, writing each allowed step."""

    def __init__(self, lead, now, changes):
        self.lead, self.now, self.changes = lead, now, changes

    def move(self, to_status, at, by=None, note=""):
        if at > self.now:
            return False
        assert S(to_status) in TRANSITIONS[S(self.lead["status"])], (self.lead["status"], to_status)
        self.changes.add(self.lead["id"], self.lead["status"], to_status, by, at, note)
        self.lead["status"], self.lead["status_changed_at"] = to_status, at
        self.lead["version"] += 1
        return True


def seed(shape, *, now=None, out=print):
    """Fill the (empty, migrated) database with the shape's data set; return what was written."""
    now = now or timezone.now()
    with transaction.atomic():
        people, config, form = _setup_people_and_rules()
        campaigns, variant_ids = _campaigns(shape, now, people["marketers"])
    reps = [u.pk for u in people["reps"]]
    marketers = [u.pk for u in people["marketers"]]
    # Weeks aligned on now, oldest first; week k is drawn from its own generator.
    week_starts = [now - datetime.timedelta(weeks=shape.weeks - k) for k in range(shape.weeks)]
    active = _active_by_week(campaigns, week_starts)
    leads = Copier("leads_lead", tuple(LEAD_COLUMNS))
    touches = Copier("leads_touchpoint", tuple(TOUCH_COLUMNS))
    changes = Copier("leads_statuschange", tuple(CHANGE_COLUMNS))
    activities = Copier("leads_activity", tuple(ACTIVITY_COLUMNS))
    handoffs = Copier("handoffs_handoff", tuple(HANDOFF_COLUMNS))
    with connection.cursor() as cursor:
        # Foreign keys are checked once, set-wise, at the end (_check_references): checked row by
        # row during COPY they cost more than the load itself (a KEY SHARE lock per row).
        cursor.execute("SET session_replication_role = replica")
    next_id = 1
    assigned = 0
    per_week = shape.per_week
    made = 0
    for k, week_start in enumerate(week_starts):
        weeks_ago = shape.weeks - k
        rng = random.Random(f"{shape.seed}:week:{weeks_ago}")
        n = round(per_week * (k + 1)) - made
        made += n
        running = active[k] or campaigns[-5:]
        offsets = sorted(rng.random() for _ in range(n))
        for i, offset in enumerate(offsets):
            created = week_start + datetime.timedelta(weeks=offset)
            campaign = rng.choice(running) if rng.random() < 0.8 else None
            source = campaign.channel if campaign else "direct"
            profile = {
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "email": f"w{weeks_ago}n{i}@{rng.choice(['acme', 'globex', 'initech', 'umbrella', 'hooli'])}.example",
                "phone": f"+49 30 {rng.randint(1000000, 9999999)}" if rng.random() < 0.5 else "",
                "company": f"{rng.choice(LAST)} {rng.choice(['GmbH', 'Ltd', 'Inc', 'SA'])}",
                "title": rng.choice(TITLES),
                "industry": rng.choice(INDUSTRIES),
                "company_size": rng.choice([5, 20, 60, 150, 400, 1200, 8000]),
                "country": rng.choice(COUNTRIES),
                "source": source,
            }
            score, fit = scoring.evaluate(SimpleNamespace(**profile), config)
            lead = {
                "id": next_id,
                "status": S.NEW,
                "status_changed_at": created,
                "version": 1,
                "owner_id": None,
                "deal_value": None,
                "lost_reason": "",
            }
            next_id += 1
            life = _Lifecycle(lead, now, changes)
            # Touchpoints: the capture, then up to three later touches within three weeks.
            last_campaign = campaign
            touch_times = [created] + sorted(
                created + datetime.timedelta(days=21 * rng.random()) for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))
            )
            for j, at in enumerate(touch_times):
                if at > now:
                    break
                touch_campaign = campaign if j == 0 else (rng.choice(running) if rng.random() < 0.7 else None)
                channel = touch_campaign.channel if touch_campaign else "direct"
                utm_source, utm_medium = UTM[channel] if touch_campaign else ("", "")
                content = rng.choice("ab") if touch_campaign else ""
                touches.add(
                    lead["id"],
                    touch_campaign.pk if touch_campaign else None,
                    variant_ids.get((touch_campaign.pk, content)) if touch_campaign else None,
                    form.pk if j == 0 else None,
                    "form",
                    channel,
                    utm_source,
                    utm_medium,
                    touch_campaign.utm_campaign if touch_campaign else "",
                    content,
                    "",
                    "https://www.example.com/demo",
                    "",
                    None,
                    at,
                )
                if touch_campaign is not None:
                    last_campaign = touch_campaign
            if score >= config.profile.mql_threshold:
                _walk_handed_off(
                    rng, lead, life, created, reps[assigned % len(reps)], marketers, now, handoffs, activities
                )
                assigned += 1
            elif rng.random() < 0.05:
                life.move(S.DISQUALIFIED, created + _hours(rng, 48), by=rng.choice(marketers), note="Not a company.")
            leads.add(
                lead["id"],
                profile["first_name"],
                profile["last_name"],
                profile["email"],
                profile["phone"],
                profile["company"],
                profile["title"],
                profile["industry"],
                profile["company_size"],
                profile["country"],
                source,
                campaign.pk if campaign else None,
                last_campaign.pk if last_campaign else None,
                lead["status"],
                score,
                fit,
                lead["owner_id"],
                lead["deal_value"],
                lead["lost_reason"],
                created,
                lead["status_changed_at"],
                lead["status_changed_at"],
                lead["version"],
            )
            if leads.rows >= 20_000:
                # Parents before children: each COPY commits on its own and checks its foreign keys.
                for copier in (leads, touches, changes, activities, handoffs):
                    copier.flush()
        if weeks_ago % 13 == 0 or k == shape.weeks - 1:
            out(f"  seeded week -{weeks_ago}: {next_id - 1} leads so far")
    for copier in (leads, touches, changes, activities, handoffs):
        copier.flush()
    long_lead = _long_timeline(now, reps, next_id - 1, touches, activities)
    for copier in (touches, activities):
        copier.flush()
    _check_references()
    # The history was written after the fact, so the triggers noted every hour of it (alignment.metrics.rollups):
    # merged to a row per hour, as the nightly task keeps a live database.
    rollups.compact()
    with connection.cursor() as cursor:
        for table in ("leads_lead", "leads_touchpoint", "leads_statuschange", "leads_activity", "handoffs_handoff"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # What autovacuum does for a live database: statistics, and the visibility map that
        # lets counts be answered from an index alone.
        cursor.execute("VACUUM ANALYZE")
    return {
        "leads": leads.total,
        "touchpoints": touches.total,
        "status_changes": changes.total,
        "activities": activities.total,
        "handoffs": handoffs.total,
        "campaigns": len(campaigns),
        "long_timeline_lead": long_lead,
    }


REFERENCES = [
    ("leads_touchpoint", "lead_id", "leads_lead"),
    ("leads_touchpoint", "campaign_id", "campaigns_campaign"),
    ("leads_touchpoint", "variant_id", "campaigns_variant"),
    ("leads_statuschange", "lead_id", "leads_lead"),
    ("leads_activity", "lead_id", "leads_lead"),
    ("handoffs_handoff", "lead_id", "leads_lead"),
    ("handoffs_handoff", "assigned_to_id", "auth_user"),
    ("leads_lead", "first_touch_campaign_id", "campaigns_campaign"),
    ("leads_lead", "owner_id", "auth_user"),
]


def _check_references():
    """Turn foreign-key checks back on and prove, set-wise, that every reference COPY wrote resolves."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        for table, column, target in REFERENCES:
            cursor.execute(
                f"SELECT count(*) FROM {table} t LEFT JOIN {target} r ON r.id = t.{column} "
                f"WHERE t.{column} IS NOT NULL AND r.id IS NULL"
            )
            orphans = cursor.fetchone()[0]
            if orphans:
                raise RuntimeError(f"{orphans} rows of {table}.{column} point at no {target} row")


def _walk_handed_off(rng, lead, life, created, rep, marketers, now, handoffs, activities):
    """The lead scored as an MQL at capture: hand it off, answer it, and work it if accepted."""

    def handoff(outcome, responded_at=None, reason="", feedback="", contact_deadline=None, contact_at=None):
        handoffs.add(
            lead["id"],
            rng.choice(marketers),
            rep,
            "Came through the website form.",
            mql_at,
            deadline,
            False,
            outcome,
            responded_at,
            rep if responded_at else None,
            reason,
            feedback,
            contact_deadline,
            contact_at,
        )

    mql_at = created + datetime.timedelta(seconds=1)
    life.move(S.MQL, mql_at, note="Score reached the MQL threshold.")
    deadline = mql_at + 24 * HOUR
    answered = mql_at + _hours(rng, 6)
    accepted = rng.random() < 0.7
    if answered > now:
        handoff("pending")
        return
    if not accepted:
        reason = rng.choice(REJECT_REASONS)
        life.move(S.RECYCLED if reason == "not_ready" else S.DISQUALIFIED, answered, by=rep, note="Hand-off rejected.")
        handoff("rejected", answered, reason, "Not for us right now.")
        return
    life.move(S.SAL, answered, by=rep, note="Hand-off accepted.")
    lead["owner_id"] = rep
    lead["version"] += 1
    contact_deadline = answered + 48 * HOUR
    contact_at = answered + _hours(rng, 10)
    first_contact = contact_at if contact_at <= now else None
    handoff("accepted", answered, contact_deadline=contact_deadline, contact_at=first_contact)
    at = contact_at
    for _ in range(rng.randint(1, 4)):
        if at > now:
            break
        kind = rng.choice(["call", "call", "email", "meeting", "note"])
        activities.add(
            lead["id"], kind, rep, f"{kind.title()} with the buyer", "Talked about the roll-out.", at, None, None, None
        )
        at += _hours(rng, 48)
    _work(rng, lead, life, answered, rep, now)
    # Reps close what goes nowhere: a lead still open eight weeks after its hand-off is lost.
    if lead["status"] in (S.SAL, S.SQL):
        closed_at = max(lead["status_changed_at"] + HOUR, answered + STALE_AFTER)
        if closed_at <= now:
            lead["lost_reason"] = "no_decision"
            life.move(S.LOST, closed_at, by=rep, note="No decision after eight weeks.")


STALE_AFTER = datetime.timedelta(weeks=8)


def _work(rng, lead, life, answered, rep, now):
    """Qualify the accepted lead and close it, or leave it open where the dice say so."""
    roll = rng.random()
    moved_at = answered + _hours(rng, 120)
    if roll < 0.55:
        if not life.move(S.SQL, moved_at, by=rep):
            return
        closed_at = moved_at + _hours(rng, 300)
        roll = rng.random()
        if roll < 0.4 and closed_at <= now:
            lead["deal_value"] = Decimal(rng.randint(20, 600) * 100)
            life.move(S.WON, closed_at, by=rep, note="Signed.")
        elif roll < 0.8 and closed_at <= now:
            lead["lost_reason"] = rng.choice(LOST_REASONS)
            life.move(S.LOST, closed_at, by=rep, note="Lost.")
    elif roll < 0.7 and moved_at <= now:
        lead["lost_reason"] = rng.choice(LOST_REASONS)
        life.move(S.LOST, moved_at, by=rep, note="Lost before qualification.")
    elif roll < 0.75:
        life.move(S.RECYCLED, moved_at, by=rep, note="Back to nurture.")
    elif roll < 0.8:
        life.move(S.DISQUALIFIED, moved_at, by=rep, note="Not a buyer.")


def _long_timeline(now, reps, last_lead_id, touches, activities):
    """Give the newest lead of the previous week a long timeline: 400 activities and 60 touches."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, owner_id FROM leads_lead WHERE created_at < %s AND owner_id IS NOT NULL "
            "ORDER BY created_at DESC LIMIT 1",
            [now - 7 * DAY],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    lead_id, owner_id = row
    for i in range(400):
        at = now - datetime.timedelta(hours=i * 3 + 1)
        activities.add(
            lead_id, "call" if i % 3 else "note", owner_id, f"Follow-up {i}", "Notes of the call.", at, None, None, None
        )
    for i in range(60):
        touches.add(
            lead_id,
            None,
            None,
            None,
            "manual",
            "direct",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            None,
            now - datetime.timedelta(hours=i * 7 + 2),
        )
    return lead_id


def anchor_week():
    """Return the label of the week a data set seeded now is measured in (the last complete one)."""
    from crm.weeks import Week

    return Week.last_complete(timezone.now()).label
