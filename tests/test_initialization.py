"""Initialisation schemes, the variance they keep layer by layer, their training job and CLI."""

from __future__ import annotations

import json
import math

import pytest
import torch

from app import cli_init
from app.cli import main
from engine import initialization
from engine.events import Finished, Metrics, Progress
from engine.init_statistics import measure_scheme
from engine.init_training import InitTraining, InitTrainingConfig
from engine.initialization import (
    DeepMLP,
    InitConfig,
    initialize_network,
    nominal_weight_variance,
)

DEEP_LINEAR = InitConfig(depth=10, width=256, activation="linear", inputs="noise")


def growth(scheme: str, config: InitConfig = DEEP_LINEAR) -> float:
    return measure_scheme(config, scheme).growth


def test_xavier_keeps_linear_variance():
    ratio = growth("xavier")
    assert ratio >= 0.5
    assert ratio <= 2.0


def test_xavier_keeps_variance_on_digits(digits):
    ratio = measure_scheme(InitConfig(depth=10, width=256), "xavier", digits).growth
    assert ratio >= 0.5
    assert ratio <= 2.0


def test_normal_explodes_linear_variance():
    assert growth("normal") > 100


def test_small_shrinks_linear_variance():
    assert growth("small") < 1 / 100


def test_he_keeps_relu_variance():
    ratio = growth("he", InitConfig(depth=10, width=256, activation="relu", inputs="noise"))
    assert ratio >= 0.5
    assert ratio <= 2.0


def test_xavier_shrinks_relu_variance():
    # ReLU zeroes half of z, so 1/n_in halves E[x^2] at every layer.
    ratio = growth("xavier", InitConfig(depth=10, width=256, activation="relu", inputs="noise"))
    assert ratio < 1 / 100


@pytest.mark.parametrize("scheme", initialization.SCHEMES)
def test_one_layer_matches_formula(scheme):
    """Var(z) = n Var(w) Var(x) for one layer fed N(0, 1) noise, within sampling error."""
    n_in, units, batch = initialization.INPUT_SIZE, 256, 512
    config = InitConfig(depth=1, width=units, activation="linear", inputs="noise",
                        batch_size=batch)
    statistics = measure_scheme(config, scheme)
    predicted = n_in * nominal_weight_variance(scheme, n_in, units) * 1.0

    # Relative standard errors: of Var(z) given the weights, for nearly
    # orthogonal rows 2 (1 + units/n_in) / (units batch), of the mean square of
    # n_in units weights, 2 / (n_in units), and of E[x^2], 2 / (n_in batch).
    relative_error = math.sqrt(
        2 * (1 + units / n_in) / (units * batch) + 2 / (n_in * units) + 2 / (n_in * batch)
    )
    measured = statistics.preactivation_variance[0]
    assert abs(measured / predicted - 1) < 4 * relative_error
    assert abs(measured / statistics.predicted_variance[0] - 1) < 4 * relative_error


def test_prediction_follows_every_layer():
    statistics = measure_scheme(InitConfig(depth=6, width=128, activation="tanh",
                                           inputs="noise"), "glorot")
    ratios = statistics.preactivation_variance / statistics.predicted_variance
    assert ratios.min() > 0.9
    assert ratios.max() < 1.1


def test_gradient_prediction_follows_every_layer():
    statistics = measure_scheme(DEEP_LINEAR, "xavier")
    ratios = statistics.gradient_variance / statistics.predicted_gradient_variance
    assert ratios.min() > 0.9
    assert ratios.max() < 1.1


def test_injected_gradient_has_unit_variance():
    statistics = measure_scheme(DEEP_LINEAR, "orthogonal")
    assert statistics.gradient_variance[-1] == pytest.approx(1.0, rel=0.05)


def test_small_gradients_vanish_backward():
    statistics = measure_scheme(DEEP_LINEAR, "small")
    assert statistics.gradient_variance[0] < 1e-10 * statistics.gradient_variance[-1]


@pytest.mark.parametrize("scheme", initialization.SCHEMES)
def test_weights_have_nominal_variance(scheme):
    model = DeepMLP(depth=2, width=256, activation="linear")
    initialize_network(model, scheme, seed=0)
    for layer in model.layers:
        expected = nominal_weight_variance(scheme, layer.in_features, layer.out_features)
        measured = float(layer.weight.detach().square().mean())
        assert measured == pytest.approx(expected, rel=0.05)


def test_biases_start_at_zero():
    model = DeepMLP(depth=3, width=16, activation="tanh", classes=10)
    initialize_network(model, "he", seed=0)
    for layer in model.linear_layers():
        assert torch.count_nonzero(layer.bias) == 0


def test_histograms_cover_every_value():
    statistics = measure_scheme(InitConfig(depth=3, width=64, activation="tanh",
                                           inputs="noise"), "normal")
    for histogram in statistics.activation_histograms + statistics.gradient_histograms:
        assert histogram.fractions.sum() == pytest.approx(1.0)
        assert len(histogram.edges) == len(histogram.fractions) + 1


def test_saturated_tanh_piles_up_at_one():
    statistics = measure_scheme(InitConfig(depth=3, width=256, activation="tanh",
                                           inputs="noise"), "normal")
    histogram = statistics.activation_histograms[2]
    assert histogram.fractions[0] + histogram.fractions[-1] > 0.5


@pytest.mark.parametrize("changes, message", [
    ({"depth": 0}, "Depth"),
    ({"depth": initialization.MAX_DEPTH + 1}, "Depth"),
    ({"width": 0}, "Width"),
    ({"activation": "swish"}, "activation"),
    ({"inputs": "photos"}, "input"),
    ({"batch_size": 1}, "Batch size"),
])
def test_config_rejects_invalid_values(changes, message):
    config = InitConfig(**changes)
    with pytest.raises(ValueError, match=message):
        config.validate()


def test_unknown_scheme_is_rejected():
    with pytest.raises(ValueError, match="Unknown scheme 'lecun'"):
        measure_scheme(DEEP_LINEAR, "lecun")


def test_digit_input_needs_data():
    with pytest.raises(ValueError, match="digit data"):
        measure_scheme(InitConfig(depth=2, width=8), "xavier")


# Train with it -------------------------------------------------------------------


def tiny_training(data, **changes) -> InitTraining:
    settings = dict(schemes=("small", "xavier"), depth=3, width=32, activation="tanh",
                    steps=3, batch_size=16)
    settings.update(changes)
    return InitTraining(data, InitTrainingConfig(**settings))


def test_training_reports_loss_per_scheme(tiny_digits):
    job = tiny_training(tiny_digits)
    events = job.step()
    metrics = [event for event in events if isinstance(event, Metrics)]
    assert set(metrics[0].values) == {"loss/small", "loss/xavier"}
    assert any(isinstance(event, Progress) for event in events)
    assert not job.finished


def test_training_finishes_with_accuracies(tiny_digits):
    job = tiny_training(tiny_digits)
    events = []
    while not job.finished:
        events.extend(job.step())
    finished = events[-1]
    assert isinstance(finished, Finished)
    assert not finished.stopped
    assert 0.0 <= finished.summary["test_accuracy/xavier"] <= 1.0
    assert finished.summary["steps"] == 3


def test_xavier_learns_where_small_stalls(tiny_digits):
    job = tiny_training(tiny_digits, depth=6, width=64, steps=60)
    first = job.step()[0].values
    while not job.finished:
        job.step()
    assert job.last_loss["xavier"] < 0.8 * first["loss/xavier"]
    assert job.last_loss["small"] > 0.95 * first["loss/small"]


def test_diverged_scheme_stops_alone(tiny_digits):
    job = tiny_training(tiny_digits, schemes=("normal", "xavier"), depth=10, width=32,
                        activation="linear", steps=5)
    last = None
    while not job.finished:
        last = job.step()[0].values
    assert "normal" in job.diverged
    assert "loss/normal" not in last
    assert math.isfinite(last["loss/xavier"])


def test_training_sets_learning_rate(tiny_digits):
    job = tiny_training(tiny_digits)
    job.set_hyperparameter("learning_rate", 0.05)
    rates = {group["lr"] for optimizer in job.optimizers.values()
             for group in optimizer.param_groups}
    assert rates == {0.05}


@pytest.mark.parametrize("name, value", [("momentum", 0.5), ("learning_rate", -1.0)])
def test_training_rejects_bad_setting(tiny_digits, name, value):
    job = tiny_training(tiny_digits)
    with pytest.raises(ValueError):
        job.set_hyperparameter(name, value)


def test_training_needs_a_scheme(tiny_digits):
    with pytest.raises(ValueError, match="at least one"):
        tiny_training(tiny_digits, schemes=())


# Command line ---------------------------------------------------------------------


def run_cli(capsys, *arguments) -> tuple[int, str, str]:
    status = main(["init", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_json_variances(capsys):
    status, out, _ = run_cli(capsys, "--depth", "10", "--width", "256", "--activation",
                             "linear", "--scheme", "xavier", "--input", "noise", "--json")
    record = json.loads(out)
    assert status == 0
    assert len(record["variances"]) == 10
    assert 0.5 <= record["variances"][-1] / record["variances"][0] <= 2.0
    assert record["scheme"] == "xavier"


def test_cli_json_normal_explodes(capsys):
    _, out, _ = run_cli(capsys, "--scheme", "normal", "--input", "noise", "--json")
    variances = json.loads(out)["variances"]
    assert variances[-1] / variances[0] > 100


def test_cli_table_on_digits(capsys, digits):
    status, out, _ = run_cli(capsys, "--depth", "4", "--width", "64", "--activation", "relu",
                             "--scheme", "he")
    lines = out.splitlines()
    assert status == 0
    assert "a batch of 256 digits" in lines[0]
    assert len(lines) == 1 + 1 + 4 + 1
    assert lines[-1].startswith("last/first activation variance:")


def test_cli_rejects_bad_depth(capsys):
    status, _, err = run_cli(capsys, "--depth", "0", "--input", "noise")
    assert status == 2
    assert "Depth must be between 1 and" in err


def test_cli_names_match_engine():
    assert cli_init.SCHEME_NAMES == initialization.SCHEMES
    assert cli_init.ACTIVATION_NAMES == initialization.ACTIVATIONS
    assert cli_init.INPUT_NAMES == initialization.INPUTS
