"""Capture of many rows in one go (the CSV import): lead_capture's rules, applied set-wise.

A batch costs a fixed number of queries whatever its size: the campaigns and variants its
utm fields name, the aliases and the known leads (locked), one insert of the new leads, one
of the touchpoints, one update of the known leads that changed and one of the status
history. The rows are replayed in their order over the leads held in memory, so a lead
named twice in a batch ends exactly as two lead_capture calls one after the other leave it.
"""

import operator
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm import events
from crm.audit import ObjectType, audit_records
from leads import scoring
from leads.bulk_rows import Catalogue, PreparedRows, _group, _resolve_campaigns, _validate
from leads.bulk_sql import insert_rows, reserve_ids, update_rows
from leads.models import Lead, LeadAlias, ScoringRule, StatusChange, Touchpoint, can_transition
from leads.services.base import UTM_FIELDS
from leads.services.capture import _apply_touch
from leads.signals import leads_became_mql

# How often a batch tries again to insert an e-mail whose conflicting lead then vanished
# (merged away between our insert and our select): beyond that it is an error.
_INSERT_ATTEMPTS = 3


@dataclass
class BatchCaptureResult:
    """What a batch did: leads created, touches of known leads, refused rows, new MQLs."""

    created: int = 0
    touched: int = 0
    errors: list = field(default_factory=list)
    mql_lead_ids: list = field(default_factory=list)


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
            audit_records(
                object_type=ObjectType.LEAD,
                action="status_changed",
                changes_by_id=[(lead_id, {"status": {"old": old, "new": new}}) for lead_id, old, new, *_ in history],
                at=now,
            )
            lead_ids = [lead_id for lead_id, *_ in history]
            # robust, as in lead_transition: the leads are committed whatever happens to the
            # announcement; the periodic sweep hands off any MQL whose hand-off was never queued.
            transaction.on_commit(lambda: leads_became_mql.send(sender=Lead, lead_ids=lead_ids), robust=True)
            result.mql_lead_ids = lead_ids
        # The batch's leads are plain rows, not model instances: the events carry their ids, and go
        # out as one batch per type so a listener (the webhooks) writes them in a few statements.
        events.emit_many(
            events.LEAD_CREATED,
            [{"lead_id": plan.lead.pk, "actor": actor, "source": kind} for plan in plans if not plan.known],
        )
        events.emit_many(
            events.LEAD_STATUS_CHANGED,
            [
                {"lead_id": lead_id, "actor": actor, "from_status": old, "to_status": new, "note": note}
                for lead_id, old, new, _, _, note in history
            ],
        )
    result.created = sum(not plan.known for plan in plans)
    result.touched = len(good) - result.created
    return result
