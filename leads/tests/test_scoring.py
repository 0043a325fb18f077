"""Score and fit: the rules and the ideal customer profile, on hand-made leads."""

import pytest

from leads.models import IdealCustomerProfile, Lead, ScoringRule
from leads.scoring import ScoringConfig, evaluate, fit_of, rule_matches, score_of
from leads.services import scores_recompute
from leads.tests.factories import LeadFactory, ScoringRuleFactory

F = ScoringRule.Field
Op = ScoringRule.Operator


def lead(**fields):
    base = {"email": "ada@acme.io", "company": "", "title": "", "industry": "", "country": "", "phone": ""}
    return Lead(**{**base, **fields})


def rule(field, operator, value="", points=10):
    return ScoringRule(field=field, operator=operator, value=value, points=points)


@pytest.mark.parametrize(
    ("the_rule", "fields", "matches"),
    [
        (rule(F.INDUSTRY, Op.EQUALS, "Software"), {"industry": " software "}, True),
        (rule(F.INDUSTRY, Op.EQUALS, "software"), {"industry": "software services"}, False),
        (rule(F.TITLE, Op.CONTAINS, "head"), {"title": "Head of Growth"}, True),
        (rule(F.TITLE, Op.CONTAINS, "head"), {"title": "Marketing lead"}, False),
        (rule(F.TITLE, Op.CONTAINS, ""), {"title": "Anything"}, False),
        (rule(F.COUNTRY, Op.IN, "de, at ,CH"), {"country": "AT"}, True),
        (rule(F.COUNTRY, Op.IN, "de,at,ch"), {"country": "FR"}, False),
        (rule(F.COUNTRY, Op.IN, "de,,"), {"country": ""}, False),
        (rule(F.COMPANY_SIZE, Op.GTE, "50"), {"company_size": 50}, True),
        (rule(F.COMPANY_SIZE, Op.GTE, "50"), {"company_size": 49}, False),
        (rule(F.COMPANY_SIZE, Op.GTE, "50"), {"company_size": None}, False),
        (rule(F.COMPANY_SIZE, Op.LTE, "10"), {"company_size": 10}, True),
        (rule(F.COMPANY_SIZE, Op.LTE, "10"), {"company_size": 11}, False),
        (rule(F.COMPANY_SIZE, Op.LTE, "10"), {"company_size": None}, False),
        (rule(F.COMPANY_SIZE, Op.LTE, "ten"), {"company_size": 3}, False),
        (rule(F.COMPANY, Op.GTE, "5"), {"company": "NaN"}, False),
        (rule(F.COMPANY_SIZE, Op.GTE, "nan"), {"company_size": 5}, False),
        (rule(F.PHONE, Op.PRESENT), {"phone": "+49 30 1234"}, True),
        (rule(F.PHONE, Op.PRESENT), {"phone": ""}, False),
        (rule(F.EMAIL_DOMAIN, Op.IN, "gmail.com,yahoo.com"), {"email": "Ann@GMAIL.com"}, True),
        (rule(F.EMAIL_DOMAIN, Op.IN, "gmail.com,yahoo.com"), {"email": "ann@acme.io"}, False),
        (rule(F.SOURCE, Op.EQUALS, "referral"), {"source": "referral"}, True),
        (rule(F.SOURCE, Op.EQUALS, "referral"), {"source": "paid_search"}, False),
    ],
)
def test_each_operator_matches_the_field(the_rule, fields, matches):
    assert rule_matches(the_rule, lead(**fields)) is matches


def test_the_score_is_the_sum_of_matching_rules_including_negative_points():
    rules = [
        rule(F.INDUSTRY, Op.EQUALS, "software", 25),
        rule(F.TITLE, Op.CONTAINS, "head", 15),
        rule(F.EMAIL_DOMAIN, Op.IN, "gmail.com", -20),
        rule(F.COMPANY_SIZE, Op.LTE, "10", -10),
        rule(F.PHONE, Op.PRESENT, points=5),
    ]
    assert score_of(lead(industry="software", title="Head of IT", email="a@gmail.com", company_size=5), rules) == 10
    assert score_of(lead(industry="software", title="Head of IT", phone="1", company_size=200), rules) == 45
    assert score_of(lead(email="a@gmail.com", company_size=2), rules) == -30
    assert score_of(lead(), []) == 0


def profile(**fields):
    return IdealCustomerProfile(**fields)


ICP = {
    "industries": ["Software", "fintech"],
    "company_size_min": 50,
    "company_size_max": 5000,
    "countries": ["de", "AT"],
    "title_keywords": ["head", " director "],
}


@pytest.mark.parametrize(
    ("fields", "fit"),
    [
        ({"industry": "software", "company_size": 200, "country": "DE", "title": "Director of Ops"}, Lead.Fit.GOOD),
        ({"industry": "FinTech", "company_size": 50, "country": "at", "title": "HEAD of sales"}, Lead.Fit.GOOD),
        # Two of four criteria is half: partial.
        ({"industry": "software", "company_size": 200, "country": "FR", "title": "Engineer"}, Lead.Fit.PARTIAL),
        ({"industry": "software", "company_size": 200, "country": "DE", "title": "Engineer"}, Lead.Fit.PARTIAL),
        # One of four: poor.
        ({"industry": "software", "company_size": 6000, "country": "FR", "title": "Engineer"}, Lead.Fit.POOR),
        ({"company_size": None}, Lead.Fit.POOR),
    ],
)
def test_fit_is_good_partial_or_poor_against_the_profile(fields, fit):
    assert fit_of(lead(**fields), profile(**ICP)) == fit


def test_an_open_ended_size_range_checks_only_its_bound():
    icp = profile(company_size_min=100)
    assert fit_of(lead(company_size=100_000), icp) == Lead.Fit.GOOD
    assert fit_of(lead(company_size=99), icp) == Lead.Fit.POOR


def test_an_empty_profile_makes_every_lead_a_poor_fit():
    perfect = lead(industry="software", company_size=200, country="DE", title="Head of IT")
    assert fit_of(perfect, profile()) == Lead.Fit.POOR


@pytest.mark.django_db
def test_the_config_loads_only_active_rules_and_the_current_profile():
    ScoringRuleFactory(field=F.INDUSTRY, operator=Op.EQUALS, value="software", points=20)
    ScoringRuleFactory(field=F.PHONE, operator=Op.PRESENT, value="", points=99, active=False)
    config = ScoringConfig.load()
    assert [r.points for r in config.rules] == [20]
    assert config.profile.pk == IdealCustomerProfile.current().pk
    assert evaluate(lead(industry="software", phone="1"), config) == (20, Lead.Fit.POOR)


@pytest.mark.django_db
def test_recomputing_scores_changes_only_the_leads_whose_score_or_fit_changed():
    ScoringRuleFactory(field=F.INDUSTRY, operator=Op.EQUALS, value="software", points=30)
    icp = IdealCustomerProfile.current()
    icp.industries = ["software"]
    icp.mql_threshold = 10
    icp.save()
    current = LeadFactory(industry="software", score=30, fit=Lead.Fit.GOOD)
    stale_score = LeadFactory(industry="software", score=5, fit=Lead.Fit.GOOD)
    stale_fit = LeadFactory(industry="software", score=30, fit=Lead.Fit.POOR)
    outsider = LeadFactory(industry="retail", score=0, fit=Lead.Fit.POOR)
    versions = dict(Lead.objects.values_list("pk", "version"))

    assert scores_recompute(batch_size=2) == 2

    fresh = {row.pk: row for row in Lead.objects.all()}
    assert (fresh[stale_score.pk].score, fresh[stale_score.pk].fit) == (30, Lead.Fit.GOOD)
    assert (fresh[stale_fit.pk].score, fresh[stale_fit.pk].fit) == (30, Lead.Fit.GOOD)
    assert (fresh[current.pk].score, fresh[outsider.pk].score) == (30, 0)
    # A re-rank does not move anyone along the lifecycle, even past the threshold.
    assert {row.status for row in fresh.values()} == {Lead.Status.NEW}
    assert dict(Lead.objects.values_list("pk", "version")) == versions
    assert scores_recompute() == 0


@pytest.mark.django_db
def test_recomputing_given_leads_leaves_the_others_alone():
    ScoringRuleFactory(field=F.INDUSTRY, operator=Op.EQUALS, value="software", points=30)
    chosen = LeadFactory(industry="software", score=0)
    other = LeadFactory(industry="software", score=0)
    assert scores_recompute(lead_ids=[chosen.pk]) == 1
    assert Lead.objects.get(pk=chosen.pk).score == 30
    assert Lead.objects.get(pk=other.pk).score == 0
