"""The statistics of A/B comparisons: a two-proportion z-test and its verdict in plain words.

Pure functions on counts, with no database access, so any app (and the figures in
``alignment.campaign_stats``) can use them and tests can check them against hand-computed cases.

Why scipy and not statsmodels: the test is a dozen lines of textbook arithmetic (pooled
proportion, standard error, z) and the only thing worth borrowing is the normal
distribution's tail, which ``scipy.stats.norm.sf`` gives accurately even far out in the
tail. scipy is already pinned for the project; statsmodels would add a large dependency
(pandas, patsy) for one call, ``proportions_ztest``, that computes the same numbers.
"""

import math
from dataclasses import dataclass

from scipy.stats import norm

# Below this many leads in either variant the normal approximation is too rough to trust.
MIN_SAMPLE = 30
# The conventional two-sided significance level.
ALPHA = 0.05


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float


def two_proportion_z_test(successes_a, n_a, successes_b, n_b):
    """Return the pooled two-proportion z statistic of A against B and its two-sided p-value.

    z is negative when A's rate is below B's. When the pooled rate is 0 or 1 (nobody or
    everybody converted in both) the rates are identical and there is nothing to test:
    z = 0, p = 1.
    """
    if n_a <= 0 or n_b <= 0:
        raise ValueError("Both samples need at least one observation.")
    if not (0 <= successes_a <= n_a and 0 <= successes_b <= n_b):
        raise ValueError("Successes must lie between 0 and the sample size.")
    rate_a, rate_b = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if standard_error == 0:
        return ZTest(z=0.0, p_value=1.0)
    z = (rate_a - rate_b) / standard_error
    return ZTest(z=z, p_value=float(2 * norm.sf(abs(z))))


def format_p(p_value):
    """Return the p-value as people read it: two decimals, more only when it is small."""
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.01:
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"


@dataclass(frozen=True)
class Verdict:
    text: str
    # "better_a", "better_b", "no_difference" or "not_enough_data": for badges and tests.
    kind: str
    test: ZTest | None = None


def ab_verdict(*, name_a, successes_a, n_a, name_b, successes_b, n_b, min_sample=MIN_SAMPLE, alpha=ALPHA):
    """Return the plain-words verdict of comparing B's conversion rate with A's."""
    if n_a < min_sample or n_b < min_sample:
        return Verdict(text=f"not enough data yet: n < {min_sample} per variant", kind="not_enough_data")
    test = two_proportion_z_test(successes_a, n_a, successes_b, n_b)
    if test.p_value < alpha:
        better_b = successes_b / n_b > successes_a / n_a
        winner = name_b if better_b else name_a
        return Verdict(
            text=f"{winner} converts better, {format_p(test.p_value)}",
            kind="better_b" if better_b else "better_a",
            test=test,
        )
    return Verdict(text=f"no significant difference ({format_p(test.p_value)})", kind="no_difference", test=test)
