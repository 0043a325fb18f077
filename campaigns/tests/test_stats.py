"""The two-proportion z-test and its verdict, checked against hand-computed cases."""

import math

import pytest

from campaigns.stats import ab_verdict, format_p, two_proportion_z_test


def test_thirty_of_a_hundred_against_forty_five_of_a_hundred():
    # pooled = 75/200 = 0.375; se = sqrt(0.375 · 0.625 · (1/100 + 1/100)) = 0.068465
    # z = (0.30 − 0.45) / 0.068465 = −2.1909; p = 2 · (1 − Φ(2.1909)) = 0.02846
    result = two_proportion_z_test(30, 100, 45, 100)
    assert result.z == pytest.approx(-2.1909, abs=1e-4)
    assert result.p_value == pytest.approx(0.02846, abs=1e-5)


def test_swapping_the_samples_flips_z_and_keeps_p():
    forward = two_proportion_z_test(30, 100, 45, 100)
    backward = two_proportion_z_test(45, 100, 30, 100)
    assert backward.z == pytest.approx(-forward.z)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_unequal_samples():
    # pooled = 30/150 = 0.2; se = sqrt(0.2 · 0.8 · (1/50 + 1/100)) = sqrt(0.0048) = 0.069282
    # z = (0.3 − 0.15) / 0.069282 = 2.1651; p = 2 · (1 − Φ(2.1651)) = 0.03038
    result = two_proportion_z_test(15, 50, 15, 100)
    assert result.z == pytest.approx(2.1651, abs=1e-4)
    assert result.p_value == pytest.approx(0.03038, abs=1e-4)


def test_equal_rates_give_no_difference():
    result = two_proportion_z_test(20, 80, 10, 40)
    assert result.z == 0
    assert result.p_value == pytest.approx(1.0)


@pytest.mark.parametrize(("a", "b"), [((0, 50), (0, 60)), ((50, 50), (60, 60))])
def test_nobody_or_everybody_converting_has_nothing_to_test(a, b):
    result = two_proportion_z_test(*a, *b)
    assert (result.z, result.p_value) == (0.0, 1.0)
    assert not math.isnan(result.p_value)


@pytest.mark.parametrize(("args"), [(1, 0, 1, 10), (11, 10, 1, 10), (-1, 10, 1, 10)])
def test_impossible_counts_are_refused(args):
    with pytest.raises(ValueError):
        two_proportion_z_test(*args)


def test_a_significant_difference_names_the_better_variant():
    verdict = ab_verdict(name_a="A", successes_a=30, n_a=100, name_b="B", successes_b=45, n_b=100)
    assert verdict.text == "B converts better, p = 0.03"
    assert verdict.kind == "better_b"


def test_the_control_can_be_the_better_one():
    verdict = ab_verdict(name_a="Hero", successes_a=45, n_a=100, name_b="Video", successes_b=30, n_b=100)
    assert verdict.text == "Hero converts better, p = 0.03"
    assert verdict.kind == "better_a"


def test_a_small_difference_is_not_significant():
    # pooled = 0.32; se = sqrt(0.32 · 0.68 · 0.02) = 0.065970; z = −0.04 / 0.065970 = −0.6063; p = 0.5443
    verdict = ab_verdict(name_a="A", successes_a=30, n_a=100, name_b="B", successes_b=34, n_b=100)
    assert verdict.text == "no significant difference (p = 0.54)"
    assert verdict.kind == "no_difference"


def test_fewer_than_thirty_leads_in_either_variant_is_not_enough_data():
    verdict = ab_verdict(name_a="A", successes_a=1, n_a=29, name_b="B", successes_b=25, n_b=200)
    assert verdict.text == "not enough data yet: n < 30 per variant"
    assert verdict.test is None


@pytest.mark.parametrize(
    ("p", "text"), [(0.41, "p = 0.41"), (0.0284, "p = 0.03"), (0.0042, "p = 0.004"), (0.00001, "p < 0.001")]
)
def test_p_values_read_plainly(p, text):
    assert format_p(p) == text
