"""Capture of many rows in one go (the CSV import): lead_capture's rules, applied set-wise.

A batch costs a fixed number of queries whatever its size: the campaigns and variants its
utm fields name, the aliases and the known leads (locked), one insert of the new leads, one
of the touchpoints, one update of the known leads that changed and one of the status
history. The rows are replayed in their order over the leads held in memory, so a lead
named twice in a batch ends exactly as two lead_capture calls one after the other leave it.
"""

import functools
import operator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Campaign, Variant
from leads import scoring
from leads.bulk_sql import insert_rows, reserve_ids, update_rows
from leads.channels import channel_from_utm
from leads.models import Lead, LeadAlias, ScoringRule, StatusChange, Touchpoint, can_transition
from leads.services import UTM_FIELDS, _apply_touch, _clean_profile, normalize_email
from leads.signals import leads_became_mql

_MAX_EMAIL = 254
_MAX_COMPANY_SIZE = 2_147_483_647  # the column is a 32-bit integer
# How often a batch tries again to insert an e-mail whose conflicting lead then vanished
# (merged away between our insert and our select): beyond that it is an error.
_INSERT_ATTEMPTS = 3

FIELD_LABELS = {
    "email": "e-mail",
    "first_name": "first name",
    "last_name": "last name",
    "full_name": "name",
    "company_size": "company size",
    "page_url": "page URL",
}


def row_problems(values):
    """Return what is wrong with a row's values before lead_capture's checks (a missing e-mail,
    lengths and ranges the columns cannot hold, NULs)."""
    problems = [] if values.get("email") else ["e-mail: missing"]
    if any("\x00" in value for value in values.values()):
        problems.append("contains NUL characters")
    if len(values.get("email", "")) > _MAX_EMAIL:
        problems.append("e-mail: longer than 254 characters")
    size = values.get("company_size", "")
    if size.isdigit() and int(size) > _MAX_COMPANY_SIZE:
        problems.append("company size: too large")
    return problems


def describe_error(exc):
    """Return a ValidationError as one line naming the fields ("country: Use a two-letter …")."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{FIELD_LABELS.get(name, name.replace('_', ' '))}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def row_error(line, values, message):
    """Return the report entry of a refused row."""
    return {"line": line, "email": values.get("email", "")[:_MAX_EMAIL], "errors": message}


@dataclass
class _Row:
    line: int
    email: str
    profile: dict
    utm: dict
    page_url: str
    channel: str
    campaign_id: int | None = None
    variant_id: int | None = None
    lead: Lead | None = None


@dataclass
class BatchCaptureResult:
    """What a batch did: leads created, touches of known leads, refused rows, new MQLs."""

    created: int = 0
    touched: int = 0
    errors: list = field(default_factory=list)
    mql_lead_ids: list = field(default_factory=list)


@dataclass
class PreparedRows:
    """A batch's rows checked, and with a catalogue and config also attributed, grouped by e-mail
    and replayed as new leads: all the work a reader can do ahead of the database's."""

    rows: list  # the (line, values) given
    good: list  # _Row per good row, in order
    errors: list
    groups: dict | None = None  # e-mail → its rows, when attributed ahead
    new_plans: dict = field(default_factory=dict)  # e-mail → plan replayed as a new lead (timestamps unset)


def rows_prepare(rows, *, campaign=None, catalogue=None, config=None):
    """Check a batch's (line, values) rows without touching the database (safe in another thread).

    Given the job's campaign, a Catalogue and the scoring config, also attribute the rows and
    replay each e-mail as a new lead; the batch then only replays the e-mails it finds known.
    """
    good, errors = _validate(rows)
    prepared = PreparedRows(rows=rows, good=good, errors=errors)
    if catalogue is not None and config is not None:
        _resolve_campaigns(good, campaign, catalogue)
        prepared.groups = _group(good)
        for email, group in prepared.groups.items():
            plan = _Plan(lead=_new_lead(group[0], None), rows=group, known=False)
            _replay(plan, config=config, now=None)
            prepared.new_plans[email] = plan
    return prepared


def _group(rows):
    groups = {}
    for row in rows:
        groups.setdefault(row.email, []).append(row)
    return groups


def _validate(rows):
    """Split (line, values) rows into good _Rows and error entries, with lead_capture's checks and messages."""
    good, errors = [], []
    for line, values in rows:
        problems = row_problems(values)
        if problems:
            errors.append(row_error(line, values, "; ".join(problems)))
            continue
        try:
            email = normalize_email(values.get("email"))
            profile = _clean_profile(values)
        except ValidationError as exc:
            errors.append(row_error(line, values, describe_error(exc)))
            continue
        utm = {name: str(values.get(name) or "").strip()[:200] for name in UTM_FIELDS}
        good.append(
            _Row(
                line=line,
                email=email,
                profile=profile,
                utm=utm,
                page_url=str(values.get("page_url") or "")[:2000],
                channel=channel_from_utm(utm["utm_source"], utm["utm_medium"]),
            )
        )
    return good, errors


def _any_iexact(field_name, values):
    return functools.reduce(operator.or_, (Q(**{f"{field_name}__iexact": value}) for value in values))


@dataclass
class Catalogue:
    """Campaigns by utm_campaign and variants by (campaign, utm_content), both case-insensitive,
    each key to the first match in the model's order (the one .first() gives lead_capture)."""

    campaigns: dict
    variants: dict

    @classmethod
    def load(cls, *, utm_campaigns=None, campaign_ids=(), utm_contents=None):
        """Return the campaigns and variants the keys name (one query each), or all of them (no keys)."""
        campaigns = Campaign.objects.all()
        if utm_campaigns is not None:
            campaigns = (
                campaigns.filter(_any_iexact("utm_campaign", utm_campaigns)) if utm_campaigns else campaigns.none()
            )
        by_key = {}
        for pk, utm in campaigns.values_list("pk", "utm_campaign"):
            by_key.setdefault(utm.lower(), pk)
        variants = Variant.objects.all()
        if utm_contents is not None:
            ids = {*by_key.values(), *campaign_ids}
            variants = (
                variants.filter(campaign_id__in=ids).filter(_any_iexact("utm_content", utm_contents))
                if ids and utm_contents
                else variants.none()
            )
        by_pair = {}
        for pk, campaign_id, content in variants.values_list("pk", "campaign_id", "utm_content"):
            by_pair.setdefault((campaign_id, content.lower()), pk)
        return cls(campaigns=by_key, variants=by_pair)

    @classmethod
    def for_rows(cls, rows, default_campaign):
        """Return what a batch's rows name, in one query for campaigns and one for variants."""
        return cls.load(
            utm_campaigns={row.utm["utm_campaign"] for row in rows} - {""},
            campaign_ids=[default_campaign.pk] if default_campaign is not None else [],
            utm_contents={row.utm["utm_content"] for row in rows} - {""},
        )


def _resolve_campaigns(rows, default_campaign, catalogue):
    """Set each row's campaign (by utm_campaign, case-insensitive, else the default) and variant."""
    default_id = default_campaign.pk if default_campaign is not None else None
    for row in rows:
        key, content = row.utm["utm_campaign"], row.utm["utm_content"]
        row.campaign_id = (catalogue.campaigns.get(key.lower()) if key else None) or default_id
        if row.campaign_id is not None and content:
            row.variant_id = catalogue.variants.get((row.campaign_id, content.lower()))


def _known_leads(emails):
    """Return {e-mail: lead} for the e-mails that name a lead or an alias of one, the leads locked.

    The locks are taken in id order, by one statement, so two batches naming the same leads
    queue behind each other instead of deadlocking. Plain SQL on the functional indexes of
    lower(email): the ORM prepares each of a thousand IN values one by one, slowly.
    """
    if not emails:
        return {}
    quote = connection.ops.quote_name
    listed = ", ".join(["%s"] * len(emails))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT LOWER({quote('email')}), {quote('lead_id')} FROM {quote(LeadAlias._meta.db_table)} "
            f"WHERE LOWER({quote('email')}) IN ({listed})",
            emails,
        )
        aliased = dict(cursor.fetchall())
    where, params = f"LOWER({quote('email')}) IN ({listed})", list(emails)
    if aliased:
        where += f" OR {quote('id')} IN ({', '.join(['%s'] * len(aliased))})"
        params += list(aliased.values())
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    leads = list(
        Lead.objects.raw(
            f"SELECT *, LOWER({quote('email')}) AS email_lower FROM {quote(Lead._meta.db_table)} "
            f"WHERE {where} ORDER BY {quote('id')}{lock}",
            params,
        )
    )
    by_email = {lead.email_lower: lead for lead in leads}
    by_pk = {lead.pk: lead for lead in leads}
    for email, lead_id in aliased.items():
        # A lead's own e-mail wins over another lead's alias, as in lead_by_email.
        if email not in by_email and lead_id in by_pk:
            by_email[email] = by_pk[lead_id]
    return by_email


@dataclass
class _Plan:
    """One lead of the batch: its state in memory after the batch's rows, and what changed."""

    lead: Lead
    rows: list
    known: bool  # in the database before this batch (else this batch inserts it)
    dirty: set = field(default_factory=set)
    mql_notes: list = field(default_factory=list)  # (line, from status, note) of the moves to MQL


_LEAD_COLUMNS = tuple(f.attname for f in Lead._meta.concrete_fields if not f.primary_key)
_lead_row = operator.attrgetter(*_LEAD_COLUMNS)


class _NewLead:
    """A lead this batch inserts, as plain attributes: building a model instance per row costs
    more than the row's share of the database's work. Scoring reads it as it reads a Lead.

    The columns' constant defaults are class attributes (set below); callable ones are called
    per lead, since one value for every lead would be wrong.
    """

    id = None

    def __init__(self, **values):
        for f in _CALLED_DEFAULTS:
            if f.attname not in values:
                values[f.attname] = f.get_default()
        self.__dict__.update(values)

    @property
    def pk(self):
        return self.id


_CALLED_DEFAULTS = [f for f in Lead._meta.concrete_fields if f.has_default() and callable(f.default)]
for _field in Lead._meta.concrete_fields:
    if _field not in _CALLED_DEFAULTS and not _field.primary_key:
        setattr(_NewLead, _field.attname, _field.get_default())


def _new_lead(row, now):
    return _NewLead(
        email=row.email,
        source=row.channel,
        first_touch_campaign_id=row.campaign_id,
        last_touch_campaign_id=row.campaign_id,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        **row.profile,
    )


_FIT_FIELDS = ("industry", "company_size", "country", "title")
_MEMO_LIMIT = 20_000  # distinct profiles remembered per config (then it starts again: memory stays flat)


class _Scorer:
    """scoring.evaluate, memoised on the lead's values that the rules and the profile read.

    evaluate is a pure function of those values, and an import's leads share few distinct
    combinations of them, so most rows are a dictionary lookup instead of every rule's test.
    """

    def __init__(self, config):
        fields = {rule.field for rule in config.rules} | set(_FIT_FIELDS)
        self.by_domain = ScoringRule.Field.EMAIL_DOMAIN in fields
        fields.discard(ScoringRule.Field.EMAIL_DOMAIN)
        self.values = operator.attrgetter(*sorted(fields))
        self.memo = {}

    def __call__(self, lead, config):
        key = self.values(lead)
        if self.by_domain:
            key = (key, lead.email.rpartition("@")[2].lower())
        try:
            return self.memo[key]
        except KeyError:
            pass
        if len(self.memo) >= _MEMO_LIMIT:
            self.memo = {}
        result = self.memo[key] = scoring.evaluate(lead, config)
        return result


def _scorer(config):
    # Kept with the config (as its cached properties are), so a run's reader and writer share it.
    scorer = config.__dict__.get("_batch_scorer")
    if scorer is None:
        scorer = config.__dict__["_batch_scorer"] = _Scorer(config)
    return scorer


def _replay(plan, *, config, now):
    """Apply the plan's rows in order to its lead, as one lead_capture call per row would."""
    lead = plan.lead
    threshold = config.profile.mql_threshold
    evaluate = _scorer(config)
    for index, row in enumerate(plan.rows):
        fields = _apply_touch(
            lead,
            profile=row.profile,
            campaign_id=row.campaign_id,
            config=config,
            known=plan.known or index > 0,
            evaluate=evaluate,
        )
        if fields:
            lead.version += 1
            lead.updated_at = now
            plan.dirty.update(fields)
        if lead.status in (Lead.Status.NEW, Lead.Status.RECYCLED) and lead.score >= threshold:
            _become_mql(
                plan, line=row.line, note=f"Score {lead.score} reached the MQL threshold of {threshold}.", now=now
            )
        row.lead = lead


def _become_mql(plan, *, line, note, now):
    """Move the lead in memory to MQL as lead_transition does; its StatusChange is written with the batch.

    Only new → mql and recycled → mql pass here, on rows this batch holds locked (or inserts),
    so the lifecycle check is the whole of lead_transition's checks for this step.
    """
    lead = plan.lead
    if not can_transition(lead.status, Lead.Status.MQL):
        raise IntegrityError(f"lead {lead.email} cannot move from {lead.status} to mql")  # a bug, not input
    plan.mql_notes.append((line, lead.status, note))
    lead.status = Lead.Status.MQL
    lead.status_changed_at = now
    lead.version += 1
    lead.updated_at = now
    plan.dirty.update(("status", "status_changed_at"))


def _insert_new_leads(plans):
    """Insert the plans' new leads (setting their ids); return the plans whose e-mail a
    concurrent capture inserted first."""
    plans = sorted(plans, key=lambda plan: plan.lead.email)
    if connection.vendor == "postgresql":
        # The e-mails were not found under lock, so a conflict needs a capture inserting one of
        # them since: the common case goes by plain COPY with ids taken from the sequence first
        # (no staging table, no ON CONFLICT), in a savepoint; a unique violation (the COPY
        # waits for the other transaction, as ON CONFLICT does) rolls it back to the path below.
        ids = reserve_ids(Lead, len(plans))
        try:
            with transaction.atomic():
                insert_rows(
                    Lead,
                    ("id", *_LEAD_COLUMNS),
                    [(pk, *_lead_row(plan.lead)) for pk, plan in zip(ids, plans, strict=True)],
                )
        except IntegrityError:
            pass
        else:
            for pk, plan in zip(ids, plans, strict=True):
                plan.lead.id = pk
            return []
    inserted = insert_rows(
        Lead,
        _LEAD_COLUMNS,
        [_lead_row(plan.lead) for plan in plans],
        skip_conflicts=True,
        returning=("id", "email"),
    )
    ids = {email: pk for pk, email in inserted}
    beaten = []
    for plan in plans:
        plan.lead.id = ids.get(plan.lead.email)
        if plan.lead.id is None:
            beaten.append(plan)
    return beaten


def _place_leads(groups, known, *, config, now, new_plans):
    """Return the plans of the batch's leads, the new ones inserted, the known ones replayed in memory."""
    plans = []
    new = []
    for email, rows in groups.items():
        lead = known.get(email)
        if lead is None and email in new_plans:
            plan = new_plans[email]
            # Replayed ahead of the batch's instant: a new lead is made, touched and moved at it.
            plan.lead.created_at = plan.lead.updated_at = plan.lead.status_changed_at = now
            new.append(plan)
            continue
        plan = _Plan(lead=lead or _new_lead(rows[0], now), rows=rows, known=lead is not None)
        _replay(plan, config=config, now=now)
        (plans if plan.known else new).append(plan)
    for _ in range(_INSERT_ATTEMPTS):
        if not new:
            return plans
        beaten = _insert_new_leads(new)
        plans += [plan for plan in new if plan.lead.pk is not None]
        # Their rows touch the lead that won the race, as lead_capture's IntegrityError branch does.
        winners = _known_leads([plan.lead.email for plan in beaten]) if beaten else {}
        new = []
        for plan in beaten:
            lead = winners.get(plan.lead.email)
            retry = _Plan(lead=lead or _new_lead(plan.rows[0], now), rows=plan.rows, known=lead is not None)
            _replay(retry, config=config, now=now)
            (plans if retry.known else new).append(retry)
    if new:
        raise IntegrityError(f"{new[0].lead.email}: the lead kept vanishing between insert and select")
    return plans


_TOUCH_COLUMNS = (
    "lead_id",
    "campaign_id",
    "variant_id",
    "kind",
    "channel",
    *UTM_FIELDS,
    "page_url",
    "recorded_by_id",
    "occurred_at",
)
_HISTORY_COLUMNS = ("lead_id", "from_status", "to_status", "changed_by_id", "changed_at", "note")


def leads_capture_batch(*, rows, kind=Touchpoint.Kind.IMPORT, campaign=None, config=None, occurred_at=None, actor=None):
    """Capture a batch of (line, values) rows as lead_capture would one by one, in a fixed number of queries.

    ``rows`` are (line, values) pairs, or what rows_prepare made of them. Bad rows are returned
    by line with lead_capture's messages and the good ones kept. A known
    e-mail (any case, or a merged duplicate's alias) gets a touchpoint, never a second lead, and
    so does an e-mail a concurrent capture inserts meanwhile; an e-mail named twice makes one
    lead and two touchpoints. New and recycled leads reaching the ICP's threshold become MQLs,
    announced after the commit so that they are handed to sales.
    """
    now = occurred_at or timezone.now()
    config = config or scoring.ScoringConfig.load()
    prepared = rows if isinstance(rows, PreparedRows) else rows_prepare(rows)
    good = prepared.good
    result = BatchCaptureResult(errors=list(prepared.errors))
    if not good:
        return result
    groups = prepared.groups
    if groups is None:
        _resolve_campaigns(good, campaign, Catalogue.for_rows(good, campaign))
        groups = _group(good)
    actor_id = actor.pk if actor is not None else None
    with transaction.atomic():
        plans = _place_leads(groups, _known_leads(list(groups)), config=config, now=now, new_plans=prepared.new_plans)
        insert_rows(
            Touchpoint,
            _TOUCH_COLUMNS,
            [
                (
                    row.lead.pk,
                    row.campaign_id,
                    row.variant_id,
                    kind,
                    row.channel,
                    *row.utm.values(),
                    row.page_url,
                    actor_id,
                    now,
                )
                for row in good
            ],
        )
        changed = [plan for plan in plans if plan.known and plan.dirty]
        if changed:
            fields = set().union(*(plan.dirty for plan in changed))
            update_rows(Lead, [plan.lead for plan in changed], sorted(fields | {"version", "updated_at"}))
        # In the order of the rows that made the MQLs: hand-offs are then assigned in the
        # round-robin order that one lead_capture per row would have given them.
        moves = sorted(
            (line, plan.lead.pk, from_status, note) for plan in plans for line, from_status, note in plan.mql_notes
        )
        history = [
            (lead_id, from_status, Lead.Status.MQL.value, None, now, note) for _, lead_id, from_status, note in moves
        ]
        if history:
            insert_rows(StatusChange, _HISTORY_COLUMNS, history)
            lead_ids = [lead_id for lead_id, *_ in history]
            # robust, as in lead_transition: the leads are committed whatever happens to the
            # announcement; the periodic sweep hands off any MQL whose hand-off was never queued.
            transaction.on_commit(lambda: leads_became_mql.send(sender=Lead, lead_ids=lead_ids), robust=True)
            result.mql_lead_ids = lead_ids
    result.created = sum(not plan.known for plan in plans)
    result.touched = len(good) - result.created
    return result
