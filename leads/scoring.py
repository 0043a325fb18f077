"""Score and fit: the same computation for every lead, whoever looks at it."""

import operator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db.models import Subquery

from leads.models import IdealCustomerProfile, Lead, ScoringRule, ScoringVersion

# Not read yet: ScoringConfig.current reads the version itself.
UNREAD = object()
# (version, config) of the configuration this process loaded last.
_cached = None


@dataclass(frozen=True)
class ScoringConfig:
    """The rules and profile in force, loaded once per batch of leads."""

    rules: tuple
    profile: IdealCustomerProfile

    @classmethod
    def load(cls):
        """Return the active rules and the current profile."""
        return cls(rules=tuple(ScoringRule.objects.filter(active=True)), profile=IdealCustomerProfile.current())

    @classmethod
    def current(cls, version=UNREAD):
        """Return the rules and profile in force, reloaded only when their version changed.

        ``version`` is the number of ScoringVersion's row as the caller read it in a
        statement of its own (``version_subquery()``); left out, it is read here, one indexed
        read instead of the two queries of ``load()``. The cached config is shared by every
        capture in the process: treat it as read-only.
        """
        global _cached
        if version is UNREAD:
            version = current_version()
        cached = _cached
        if version is not None and cached is not None and cached[0] == version:
            return cached[1]
        # Loaded after the version was read, so it is at least that new: a write that lands
        # in between only makes the next call see a newer number and load once more.
        config = cls.load()
        if version is not None:
            _cached = (version, config)
        return config

    # Prepared once per config (cached_property writes past the frozen dataclass's guard).
    @cached_property
    def matchers(self):
        return tuple((rule.points, _matcher(rule)) for rule in self.rules)

    @cached_property
    def fit(self):
        return _fit_judge(self.profile)


def version_subquery():
    """Return the scoring version as an expression, to read it in the same statement as other rows."""
    return Subquery(ScoringVersion.objects.filter(pk=1).values("number")[:1])


def current_version():
    """Return the scoring version in the database, or None when its row is missing (never cached)."""
    return ScoringVersion.objects.filter(pk=1).values_list("number", flat=True).first()


def forget_cached_config():
    """Drop this process's cached configuration (tests)."""
    global _cached
    _cached = None


def _field_value(lead, field):
    if field == ScoringRule.Field.EMAIL_DOMAIN:
        return lead.email.rpartition("@")[2].lower()
    value = getattr(lead, field)
    return "" if value is None else value


def _number(value):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    # NaN would raise on comparison, and nobody means infinity in a form field.
    return number if number.is_finite() else None


def rule_matches(rule, lead):
    """Return whether the lead's field satisfies the rule."""
    return _matcher(rule)(lead)


def _matcher(rule):
    """Return the rule as a test of a lead, its value normalised once (a batch tests many leads)."""
    field, op = rule.field, rule.operator
    if op == ScoringRule.Operator.PRESENT:
        return lambda lead: _field_value(lead, field) not in ("", None)
    if op in (ScoringRule.Operator.GTE, ScoringRule.Operator.LTE):
        right = _number(rule.value)
        compare = operator.ge if op == ScoringRule.Operator.GTE else operator.le

        def compares(lead):
            actual = _field_value(lead, field)
            left = _number(actual)
            if left is None or right is None or actual == "":
                return False
            return compare(left, right)

        return compares
    expected = rule.value.strip().lower()

    def text(lead):
        return str(_field_value(lead, field)).strip().lower()

    if op == ScoringRule.Operator.EQUALS:
        return lambda lead: text(lead) == expected
    if op == ScoringRule.Operator.CONTAINS:
        return lambda lead: bool(expected) and expected in text(lead)
    if op == ScoringRule.Operator.IN:
        items = {item.strip() for item in expected.split(",") if item.strip()}
        return lambda lead: text(lead) in items
    return lambda lead: False


def score_of(lead, rules):
    """Return the sum of the points of the rules the lead matches."""
    return sum(rule.points for rule in rules if rule_matches(rule, lead))


def fit_of(lead, profile):
    """Return good when the lead meets every criterion the profile sets, partial for at
    least half of them, poor otherwise (and poor when the profile sets none)."""
    return _fit_judge(profile)(lead)


def _fit_judge(profile):
    """Return fit_of for one profile, its criteria normalised once."""
    checks = []
    if profile.industries:
        industries = {i.strip().lower() for i in profile.industries}
        checks.append(lambda lead: lead.industry.strip().lower() in industries)
    if profile.company_size_min is not None or profile.company_size_max is not None:
        low, high = profile.company_size_min, profile.company_size_max
        checks.append(
            lambda lead: (
                lead.company_size is not None
                and (low is None or lead.company_size >= low)
                and (high is None or lead.company_size <= high)
            )
        )
    if profile.countries:
        countries = {c.strip().upper() for c in profile.countries}
        checks.append(lambda lead: lead.country.upper() in countries)
    if profile.title_keywords:
        words = [word.strip().lower() for word in profile.title_keywords if word.strip()]
        checks.append(lambda lead: any(word in lead.title.lower() for word in words))

    def judge(lead):
        if not checks:
            return Lead.Fit.POOR
        met = sum(check(lead) for check in checks)
        if met == len(checks):
            return Lead.Fit.GOOD
        if met * 2 >= len(checks):
            return Lead.Fit.PARTIAL
        return Lead.Fit.POOR

    return judge


def evaluate(lead, config):
    """Return (score, fit) of the lead under the config."""
    return sum(points for points, matches in config.matchers if matches(lead)), config.fit(lead)
