"""Exact binomial and Poisson tails in log space, and the Bonferroni correction."""

import math

LN10 = math.log(10.0)

_MAX_TERMS = 5000


def log_comb(n: int, k: int) -> float:
    """Natural log of the binomial coefficient C(n, k)."""
    if k < 0 or k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def log_binom_sf(k: int, n: int, p: float) -> float:
    """Natural log of P(X >= k) for X ~ Binomial(n, p).

    The tail is summed term by term from ``k`` in log space, so it stays exact where the
    p-value underflows a float. When ``k`` does not exceed the mean ``n * p`` the result is
    0.0 (p-value 1): conservative, and such counts are never evidence of a bloc.
    """
    if k <= 0:
        return 0.0
    if k > n or p <= 0.0:
        return -math.inf
    if p >= 1.0 or k <= n * p:
        return 0.0
    head = log_comb(n, k) + k * math.log(p) + (n - k) * math.log1p(-p)
    odds = p / (1.0 - p)
    total = term = 1.0
    i = k
    while i < n:
        ratio = (n - i) / (i + 1) * odds
        term *= ratio
        total += term
        i += 1
        if term < total * 1e-17:
            break
        if i - k >= _MAX_TERMS:
            # the ratios keep falling, so a geometric series bounds the rest from above
            total += term * ratio / (1.0 - ratio)
            break
    return min(0.0, head + math.log(total))


def log_poisson_sf(k: int, mean: float) -> float:
    """Natural log of P(X >= k) for X ~ Poisson(mean); 0.0 when ``k <= mean``."""
    if k <= 0:
        return 0.0
    if mean <= 0.0:
        return -math.inf
    if k <= mean:
        return 0.0
    head = k * math.log(mean) - mean - math.lgamma(k + 1)
    total = term = 1.0
    i = k
    while True:
        ratio = mean / (i + 1)
        term *= ratio
        total += term
        i += 1
        if term < total * 1e-17:
            break
        if i - k >= _MAX_TERMS:
            total += term * ratio / (1.0 - ratio)
            break
    return min(0.0, head + math.log(total))


def lifted(share: float, lift: float) -> float:
    """The share whose odds are ``lift`` times the odds of ``share``."""
    return lift * share / (1.0 + (lift - 1.0) * share)


def bonferroni(log_p: float, tests: float) -> float:
    """Corrected log p-value: ``log_p + log(tests)``, capped at 0 (p-value 1)."""
    return min(0.0, log_p + math.log(max(tests, 1.0)))


def p_from_log(log_p: float) -> float:
    return math.exp(log_p) if log_p > -745.0 else 0.0


def format_p(log_p: float) -> str:
    if log_p > math.log(1e-3):
        return f"{math.exp(log_p):.3f}"
    exponent = math.floor(log_p / LN10)
    mantissa = math.exp(log_p - exponent * LN10)
    return f"{mantissa:.1f}e{exponent}"
