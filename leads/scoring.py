"""Score and fit: the same computation for every lead, whoever looks at it."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from leads.models import IdealCustomerProfile, Lead, ScoringRule


@dataclass(frozen=True)
class ScoringConfig:
    """The rules and profile in force, loaded once per batch of leads."""

    rules: tuple
    profile: IdealCustomerProfile

    @classmethod
    def load(cls):
        """Return the active rules and the current profile."""
        return cls(rules=tuple(ScoringRule.objects.filter(active=True)), profile=IdealCustomerProfile.current())


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
    actual = _field_value(lead, rule.field)
    op = rule.operator
    if op == ScoringRule.Operator.PRESENT:
        return actual not in ("", None)
    if op in (ScoringRule.Operator.GTE, ScoringRule.Operator.LTE):
        left, right = _number(actual), _number(rule.value)
        if left is None or right is None or actual == "":
            return False
        return left >= right if op == ScoringRule.Operator.GTE else left <= right
    text = str(actual).strip().lower()
    expected = rule.value.strip().lower()
    if op == ScoringRule.Operator.EQUALS:
        return text == expected
    if op == ScoringRule.Operator.CONTAINS:
        return bool(expected) and expected in text
    if op == ScoringRule.Operator.IN:
        return text in {item.strip() for item in expected.split(",") if item.strip()}
    return False


def score_of(lead, rules):
    """Return the sum of the points of the rules the lead matches."""
    return sum(rule.points for rule in rules if rule_matches(rule, lead))


def fit_of(lead, profile):
    """Return good when the lead meets every criterion the profile sets, partial for at
    least half of them, poor otherwise (and poor when the profile sets none)."""
    checks = []
    if profile.industries:
        checks.append(lead.industry.strip().lower() in {i.strip().lower() for i in profile.industries})
    if profile.company_size_min is not None or profile.company_size_max is not None:
        size = lead.company_size
        checks.append(
            size is not None
            and (profile.company_size_min is None or size >= profile.company_size_min)
            and (profile.company_size_max is None or size <= profile.company_size_max)
        )
    if profile.countries:
        checks.append(lead.country.upper() in {c.strip().upper() for c in profile.countries})
    if profile.title_keywords:
        title = lead.title.lower()
        checks.append(any(word.strip().lower() in title for word in profile.title_keywords if word.strip()))
    if not checks:
        return Lead.Fit.POOR
    met = sum(checks)
    if met == len(checks):
        return Lead.Fit.GOOD
    if met * 2 >= len(checks):
        return Lead.Fit.PARTIAL
    return Lead.Fit.POOR


def evaluate(lead, config):
    """Return (score, fit) of the lead under the config."""
    return score_of(lead, config.rules), fit_of(lead, config.profile)
