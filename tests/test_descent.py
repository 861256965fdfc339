"""Descent runs: the classic 1-D example, divergence, optimiser updates, surfaces, SGD."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from app import cli_descend
from app.cli import main
from engine.descent import (
    CONVERGED,
    DIVERGED,
    STEP_LIMIT,
    DescentConfig,
    line_descent,
    surface_descent,
)
from engine.expression import parse_expression
from engine.optimizers import OPTIMIZERS, SCHEDULES, build_optimizer, build_schedule
from engine.stochastic import (
    FULL_BATCH,
    MINI_BATCH,
    SGD,
    BatchSampler,
    distance_from,
    loss_surface,
    make_noisy_line,
    stochastic_runs,
)
from engine.surfaces import SURFACES, typed_surface

EXAMPLE = "x**4 - 3*x**3 + 2"


def example_run(learning_rate: float, **settings):
    config = DescentConfig(hyperparameters={"learning_rate": learning_rate}, precision=1e-5,
                           **settings)
    descent = line_descent(parse_expression(EXAMPLE), 6.0, config)
    descent.run()
    return descent


def test_example_reaches_nine_quarters():
    descent = example_run(0.01)
    assert descent.status == CONVERGED
    assert abs(descent.points[-1][0] - 2.25) < 1e-4


def test_example_summary_line():
    descent = example_run(0.01)
    assert re.fullmatch(r"minimum at x = [-0-9.e+]+ after \d+ steps", descent.summary())


def test_example_first_step_is_plain_update():
    descent = line_descent(parse_expression(EXAMPLE), 6.0)
    descent.step()
    slope = 4 * 6.0**3 - 9 * 6.0**2
    assert descent.points[1][0] == pytest.approx(6.0 - 0.01 * slope, abs=1e-12)


def test_large_step_diverges_and_reports():
    descent = example_run(0.1)
    assert descent.status == DIVERGED
    assert descent.diverged_at == descent.steps
    assert f"diverged at step {descent.steps}" in descent.summary()


def test_divergence_keeps_earlier_points_finite():
    descent = example_run(0.1)
    assert np.all(np.isfinite(np.array(descent.points[:-1])))


def test_nan_value_counts_as_divergence():
    config = DescentConfig(hyperparameters={"learning_rate": 1.0})
    descent = line_descent(parse_expression("log(x)"), 0.5, config)
    descent.run()
    assert descent.status == DIVERGED
    assert "nan" in descent.message


def test_step_limit_reported():
    config = DescentConfig(hyperparameters={"learning_rate": 1.0}, max_steps=50)
    descent = line_descent(parse_expression("x**2"), 1.0, config)
    descent.run()
    assert descent.status == STEP_LIMIT
    assert descent.steps == 50
    assert "step limit of 50 steps" in descent.summary()


def test_start_outside_domain_rejected():
    with pytest.raises(ValueError, match="not defined at the start point"):
        line_descent(parse_expression("sqrt(x)"), -1.0)


def test_finished_run_does_not_step():
    descent = example_run(0.01)
    steps = descent.steps
    descent.step()
    assert descent.steps == steps


# f(x, y) = x^2 + 3 y^2 at (1, 2) has the gradient g = (2, 12).
POINT = np.array([1.0, 2.0])
GRADIENT = np.array([2.0, 12.0])
LR = 0.1


def hand_first_step(name: str, values: dict[str, float]) -> np.ndarray:
    """Return the first update of each optimiser, written out from its published rule."""
    if name == "gd":
        return POINT - LR * GRADIENT
    if name == "momentum":
        # The velocity starts as the first gradient, v = g.
        return POINT - LR * GRADIENT
    if name == "nesterov":
        # Look ahead along v = g: the step uses g + momentum * v.
        return POINT - LR * (1 + values["momentum"]) * GRADIENT
    if name == "adagrad":
        # Accumulated g^2 is g^2, so the step is lr * g / (|g| + 1e-10).
        return POINT - LR * GRADIENT / (np.abs(GRADIENT) + 1e-10)
    if name == "rmsprop":
        mean_square = (1 - values["alpha"]) * GRADIENT**2
        return POINT - LR * GRADIENT / (np.sqrt(mean_square) + 1e-8)
    # Adam: m = (1 - b1) g and v = (1 - b2) g^2, and bias correction restores g and g^2.
    decayed = POINT * (1 - LR * values.get("weight_decay", 0.0))
    return decayed - LR * GRADIENT / (np.abs(GRADIENT) + 1e-8)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_first_step_matches_update_rule(name):
    values = dict(OPTIMIZERS[name].defaults, learning_rate=LR)
    config = DescentConfig(optimizer=name, hyperparameters=values)
    descent = surface_descent(lambda x, y: x**2 + 3 * y**2, POINT, config)
    descent.step()
    np.testing.assert_allclose(descent.points[1], hand_first_step(name, values), rtol=1e-10)


def test_momentum_second_step_accelerates():
    config = DescentConfig(optimizer="momentum", hyperparameters={"learning_rate": LR})
    descent = line_descent(parse_expression("x"), 0.0, config)
    descent.run(2)
    # Constant slope 1: v1 = 1, v2 = 0.9 * 1 + 1, so x2 = -0.1 - 0.19.
    assert descent.points[2][0] == pytest.approx(-0.29, abs=1e-12)


def test_step_schedule_halves_rate():
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = build_optimizer("gd", [parameter], {"learning_rate": 0.2})
    schedule = build_schedule("step", optimizer, period=3)
    rates = []
    for _ in range(7):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates == pytest.approx([0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05])


def test_cosine_schedule_reaches_zero():
    descent = line_descent(parse_expression("x"), 0.0,
                           DescentConfig(schedule="cosine", schedule_period=10, precision=None,
                                         max_steps=11))
    descent.run()
    assert descent.learning_rates[0] == pytest.approx(0.01)
    assert descent.learning_rates[5] == pytest.approx(0.005)
    assert descent.learning_rates[10] == pytest.approx(0.0, abs=1e-15)


def test_constant_schedule_is_none():
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = build_optimizer("adam", [parameter])
    assert build_schedule("constant", optimizer, period=5) is None


def test_unknown_optimizer_rejected():
    with pytest.raises(ValueError, match="Unknown optimiser 'lbfgs'"):
        DescentConfig(optimizer="lbfgs").validate()


@pytest.mark.parametrize("key", list(SURFACES))
def test_surface_minima_are_stationary(key):
    surface = SURFACES[key]
    for x, y in surface.minima:
        point = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
        value = surface.function(point[0], point[1])
        value.backward()
        assert float(value.detach()) == pytest.approx(surface.minimum_value, abs=1e-9)
        assert np.abs(point.grad.numpy()).max() < 1e-4


@pytest.mark.parametrize("key", list(SURFACES))
def test_surface_grid_covers_start(key):
    surface = SURFACES[key]
    xs, ys, values = surface.grid(40)
    assert values.shape == (40, 40)
    assert xs[0] <= surface.start[0] <= xs[-1]
    assert ys[0] <= surface.start[1] <= ys[-1]


@pytest.mark.parametrize("key", list(SURFACES))
def test_every_optimizer_descends_surface(key):
    surface = SURFACES[key]
    for name in OPTIMIZERS:
        config = DescentConfig(optimizer=name, precision=None, max_steps=30,
                               hyperparameters={"learning_rate": surface.learning_rate(name)})
        descent = surface_descent(surface.function, surface.start, config)
        descent.run()
        assert descent.values[-1] < descent.values[0], name


def test_typed_surface_grid():
    surface = typed_surface("x**2 + y**2", (-1.0, 1.0), (-2.0, 2.0))
    xs, ys, values = surface.grid(21)
    assert values[10, 10] == pytest.approx(0.0)
    assert values[0, 0] == pytest.approx(5.0)


def test_typed_surface_nan_becomes_nan():
    _, _, values = typed_surface("log(x)").grid(11)
    assert np.isnan(values[:, 0]).all()


def test_batch_sampler_covers_each_epoch():
    sampler = BatchSampler(10, 4, seed=0)
    batches = [sampler.next_batch() for _ in range(3)]
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(torch.cat(batches).tolist()) == list(range(10))


@pytest.fixture(scope="module")
def stochastic():
    data = make_noisy_line(seed=0)
    surface = loss_surface(data)
    config = DescentConfig(hyperparameters={"learning_rate": 0.05}, max_steps=200)
    runs = stochastic_runs(data, surface.start, config, batch_size=8, seed=0)
    for run in runs.values():
        run.run()
    return runs


def test_sgd_differs_from_full_batch(stochastic):
    assert distance_from(stochastic[FULL_BATCH], stochastic[SGD]) > 0.05


def test_mini_batch_sits_between(stochastic):
    full_batch = stochastic[FULL_BATCH]
    mini_batch = distance_from(full_batch, stochastic[MINI_BATCH])
    assert 0 < mini_batch < distance_from(full_batch, stochastic[SGD])


def test_full_batch_loss_never_rises(stochastic):
    assert np.all(np.diff(stochastic[FULL_BATCH].values) <= 1e-12)


def test_sgd_loss_rises_sometimes(stochastic):
    assert np.any(np.diff(stochastic[SGD].values) > 0)


def test_stochastic_runs_reach_least_squares(stochastic):
    slope, intercept = make_noisy_line(seed=0).least_squares()
    np.testing.assert_allclose(stochastic[FULL_BATCH].points[-1], [slope, intercept], atol=0.05)


def test_cli_example_prints_minimum(capsys):
    assert main(["descend", "--function", EXAMPLE, "--start", "6", "--lr", "0.01",
                 "--precision", "0.00001"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.fullmatch(r"minimum at x = (\S+) after (\d+) steps", last)
    assert match is not None
    assert abs(float(match.group(1)) - 2.25) < 1e-4


def test_cli_large_step_prints_divergence(capsys):
    assert main(["descend", "--function", EXAMPLE, "--start", "6", "--lr", "0.1"]) == 1
    assert re.search(r"diverged at step \d+", capsys.readouterr().out)


def test_cli_optimizer_and_step_limit(capsys):
    assert main(["descend", "--function", "x**2", "--start", "1", "--lr", "1",
                 "--optimizer", "gd", "--max-steps", "20"]) == 1
    assert "step limit of 20 steps" in capsys.readouterr().out


def test_cli_rejects_unsafe_function(capsys):
    assert main(["descend", "--function", "__import__('os')", "--start", "1"]) == 2
    assert "__import__('os')" in capsys.readouterr().err


def test_cli_names_match_engine():
    assert cli_descend.OPTIMIZER_NAMES == tuple(OPTIMIZERS)
    assert cli_descend.SCHEDULE_NAMES == SCHEDULES


def test_divergence_bound_applies():
    config = DescentConfig(hyperparameters={"learning_rate": 2.0}, bound=100.0)
    descent = line_descent(parse_expression("x**2"), 1.0, config)
    descent.run()
    assert descent.status == DIVERGED
    assert math.isfinite(descent.values[-1])
