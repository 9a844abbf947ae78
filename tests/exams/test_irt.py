"""IRT calibration (exams/irt.py) recovers known parameters from simulated responses."""

import numpy as np
import pytest

from hocso.exams import irt


def simulate(candidates, items, *, seed, slopes=True, latent_sd=1.0):
    """0/1 responses under the 2PL with a ~ lognormal(0, 0.3) (or a = 1), b ~ N(0, 1),
    θ ~ N(0, latent_sd²)."""
    rng = np.random.default_rng(seed)
    a = rng.lognormal(0.0, 0.3, items) if slopes else np.ones(items)
    b = rng.normal(0.0, 1.0, items)
    theta = rng.normal(0.0, latent_sd, candidates)
    p = 1.0 / (1.0 + np.exp(-a * (theta[:, None] - b)))
    return (rng.random((candidates, items)) < p).astype(float), a, b, theta


def corr(x, y):
    return float(np.corrcoef(x, y)[0, 1])


@pytest.fixture(scope="module")
def two_pl():
    responses, a, b, theta = simulate(2000, 40, seed=20250905)
    return responses, a, b, theta, irt.calibrate(responses, model="2pl")


def test_2pl_recovers_difficulty_and_discrimination_on_2000_by_40(two_pl):
    _responses, a, b, _theta, fit = two_pl
    assert fit.converged
    assert 1 < fit.iterations < 500
    assert corr(fit.b, b) >= 0.95
    assert corr(fit.a, a) >= 0.85
    assert np.abs(fit.b - b).mean() < 0.15  # the same scale, not only the same order
    assert np.isfinite(fit.loglik) and fit.loglik < 0


def test_eap_abilities_follow_the_true_abilities(two_pl):
    responses, _a, _b, theta, fit = two_pl
    estimate, se = irt.abilities(responses, fit)
    assert estimate.shape == se.shape == (2000,)
    assert corr(estimate, theta) >= 0.9
    # 40 items: posterior SDs well below the prior's 1, none negative.
    assert 0 < se.mean() < 0.5 and (se > 0).all()


def test_rasch_recovers_difficulty_and_the_spread_of_ability():
    responses, _a, b, theta = simulate(2000, 40, seed=7, slopes=False, latent_sd=1.3)
    fit = irt.calibrate(responses, model="rasch")
    assert fit.converged
    assert (fit.a == 1.0).all()
    assert corr(fit.b, b) >= 0.95
    assert np.abs(fit.b - b).mean() < 0.15
    assert fit.latent_sd == pytest.approx(1.3, abs=0.1)
    estimate, _se = irt.abilities(responses, fit)
    assert corr(estimate, theta) >= 0.9
    assert estimate.std() == pytest.approx(1.3, abs=0.25)  # EAP shrinks a little


def test_rasch_difficulties_order_2pl_data_too(two_pl):
    responses, _a, b, _theta, two_pl_fit = two_pl
    fit = irt.calibrate(responses, model="rasch")
    assert corr(fit.b, b) >= 0.95
    # The 2PL nests the Rasch model: it fits the same data at least as well.
    assert two_pl_fit.loglik > fit.loglik


def test_missing_responses_are_left_out_not_counted_wrong():
    responses, a, b, _theta = simulate(2000, 40, seed=11)
    rng = np.random.default_rng(12)
    holed = responses.copy()
    holed[rng.random(holed.shape) < 0.3] = np.nan  # 30 % not asked
    fit = irt.calibrate(holed)
    assert fit.converged
    assert corr(fit.b, b) >= 0.95
    # Had the gaps counted as wrong answers, every item would look harder.
    assert np.abs(fit.b - b).mean() < 0.2


def test_an_item_everyone_got_right_is_left_out():
    responses, _a, b, _theta = simulate(500, 10, seed=3)
    responses[:, 4] = 1.0
    responses[:, 6] = 0.0
    fit = irt.calibrate(responses)
    assert np.isnan(fit.a[4]) and np.isnan(fit.b[4]) and np.isnan(fit.b[6])
    others = [j for j in range(10) if j not in (4, 6)]
    assert np.isfinite(fit.b[others]).all()
    assert corr(fit.b[others], b[others]) >= 0.9


def test_the_iteration_cap_reports_not_converged():
    responses, *_ = simulate(300, 10, seed=5)
    fit = irt.calibrate(responses, max_iterations=2)
    assert not fit.converged
    assert fit.iterations == 2


def test_the_same_data_give_the_same_parameters():
    responses, *_ = simulate(300, 10, seed=5)
    first, second = irt.calibrate(responses), irt.calibrate(responses)
    assert np.array_equal(first.a, second.a) and np.array_equal(first.b, second.b)


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="3pl"):
        irt.calibrate(np.zeros((2, 2)), model="3pl")


def test_dichotomize_counts_only_full_points_as_right():
    fractions = np.array([[1.0, 0.5, 0.0], [np.nan, 0.9999, 1.0]])
    result = irt.dichotomize(fractions)
    assert result[0].tolist() == [1.0, 0.0, 0.0]
    assert np.isnan(result[1, 0]) and result[1, 1:].tolist() == [0.0, 1.0]


def test_quadrature_weights_are_a_standard_normal():
    nodes, weights = irt.quadrature()
    assert nodes.size == 41 and nodes[0] == -4.0 and nodes[-1] == 4.0
    assert weights.sum() == pytest.approx(1.0)
    assert (weights * nodes).sum() == pytest.approx(0.0, abs=1e-12)
    assert (weights * nodes**2).sum() == pytest.approx(1.0, abs=0.01)
