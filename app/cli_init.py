"""The `init` subcommand: per-layer variance of a freshly initialised network, headless."""

from __future__ import annotations

import argparse
import json
import math

# The names of engine.initialization's SCHEMES, ACTIVATIONS and INPUTS,
# written out so that building the parser does not import torch.
SCHEME_NAMES = ("normal", "small", "xavier", "glorot", "glorot-uniform", "he", "orthogonal")
ACTIVATION_NAMES = ("linear", "tanh", "relu", "sigmoid")
INPUT_NAMES = ("digits", "noise")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the `init` subcommand to ``commands``."""
    init = commands.add_parser(
        "init", help="measure activation variance layer by layer after initialisation",
        description="Initialise a deep fully connected network with one scheme, feed it a "
        "batch and print the variance of every layer's activations f(z), next to Var(z) "
        "and the prediction n_in Var(w) E[x^2]. The gradients are those of a "
        "unit-variance random gradient injected at the last layer.")
    init.add_argument("--depth", type=int, default=10, help="hidden layers (default: 10)")
    init.add_argument("--width", type=int, default=256, help="units per layer (default: 256)")
    init.add_argument("--activation", default="linear", choices=ACTIVATION_NAMES,
                      help="activation after every layer (default: linear)")
    init.add_argument("--scheme", default="xavier", choices=SCHEME_NAMES,
                      help="weight initialisation (default: xavier, Var(W) = 1/n_in)")
    init.add_argument("--input", default="digits", choices=INPUT_NAMES,
                      help="a batch of real digits or of N(0, 1) noise (default: digits)")
    init.add_argument("--batch-size", type=int, default=256, metavar="N",
                      help="inputs in the batch (default: 256)")
    init.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    init.add_argument("--json", action="store_true",
                      help='print one JSON object: {"variances": [one per layer], ...}')
    init.set_defaults(run=run_init)


def run_init(args: argparse.Namespace) -> int:
    from app.cli import fail
    from engine.data import DataError, load_digits
    from engine.init_statistics import measure_scheme
    from engine.initialization import InitConfig

    config = InitConfig(depth=args.depth, width=args.width, activation=args.activation,
                        inputs=args.input, batch_size=args.batch_size, seed=args.seed)
    try:
        config.validate()
        data = load_digits(args.data_dir) if args.input == "digits" else None
        statistics = measure_scheme(config, args.scheme, data)
    except (DataError, ValueError) as error:
        return fail(str(error))

    if args.json:
        print(json.dumps(statistics_record(config, statistics)))
    else:
        print_table(config, statistics)
    return 0


def json_floats(values) -> list[float | None]:
    """Return `values` as floats, with null for NaN, which JSON cannot spell."""
    return [float(v) if math.isfinite(v) else None for v in values]


def statistics_record(config, statistics) -> dict:
    """Return the JSON object of one scheme's statistics, every list first layer first."""
    return {
        "variances": json_floats(statistics.activation_variance),
        "preactivation_variances": json_floats(statistics.preactivation_variance),
        "predicted_variances": json_floats(statistics.predicted_variance),
        "gradient_variances": json_floats(statistics.gradient_variance),
        "predicted_gradient_variances": json_floats(statistics.predicted_gradient_variance),
        "weight_variances": json_floats(statistics.weight_variance),
        "growth": json_floats([statistics.growth])[0],
        "scheme": statistics.scheme,
        "depth": config.depth,
        "width": config.width,
        "activation": config.activation,
        "input": config.inputs,
        "batch_size": config.batch_size,
        "seed": config.seed,
    }


def print_table(config, statistics) -> None:
    batch = "digits" if config.inputs == "digits" else "N(0, 1) noise inputs"
    print(f"{config.depth} layers of {config.width}, {config.activation}, "
          f"{statistics.scheme} initialisation, a batch of {config.batch_size} {batch}")
    print(f"{'layer':>5}  {'Var(f(z))':>10}  {'Var(z)':>10}  {'predicted':>10}  "
          f"{'Var(dL/dh)':>10}  {'predicted':>10}")
    for layer in range(config.depth):
        print(f"{layer + 1:>5}  {statistics.activation_variance[layer]:>10.4g}  "
              f"{statistics.preactivation_variance[layer]:>10.4g}  "
              f"{statistics.predicted_variance[layer]:>10.4g}  "
              f"{statistics.gradient_variance[layer]:>10.4g}  "
              f"{statistics.predicted_gradient_variance[layer]:>10.4g}")
    print(f"last/first activation variance: {statistics.growth:.4g}")
