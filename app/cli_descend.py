"""The `descend` subcommand: gradient descent on a typed function of x, headless."""

from __future__ import annotations

import argparse

DEFAULT_FUNCTION = "x**4 - 3*x**3 + 2"
# The keys of engine.optimizers.OPTIMIZERS and SCHEDULES, written out so that
# building the parser does not import torch.
OPTIMIZER_NAMES = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULE_NAMES = ("constant", "step", "cosine")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the `descend` subcommand to ``commands``."""
    descend = commands.add_parser(
        "descend", help="minimise a function of x by gradient descent, headless",
        description="Run a 1-D descent and print its last line as 'minimum at x = X after N "
        "steps', or a line with 'diverged at step K'. Exit status: 0 when the precision is "
        "met, 1 when the run diverged or reached the step limit, 2 for invalid input.")
    descend.add_argument("--function", default=DEFAULT_FUNCTION, metavar="EXPR",
                         help="function of x with + - * / ** (or ^), numbers and sin, cos, exp, "
                         f"log, sqrt, abs, tanh... (default: {DEFAULT_FUNCTION})")
    descend.add_argument("--start", type=float, default=6.0, metavar="X",
                         help="start point (default: 6)")
    descend.add_argument("--lr", type=float, default=0.01,
                         help="learning rate, the step size per unit of slope (default: 0.01)")
    descend.add_argument("--precision", type=float, default=1e-5, metavar="P",
                         help="stop when a step moves x by less than P (default: 0.00001)")
    descend.add_argument("--optimizer", default="gd", metavar="NAME",
                         help=f"one of {', '.join(OPTIMIZER_NAMES)}; sgd also means gd "
                         "(default: gd, plain gradient descent)")
    descend.add_argument("--schedule", default="constant", choices=SCHEDULE_NAMES,
                         help="learning-rate schedule (default: constant)")
    descend.add_argument("--schedule-period", type=int, default=100, metavar="STEPS",
                         help="steps per halving (step) or to zero (cosine) (default: 100)")
    descend.add_argument("--max-steps", type=int, default=10_000, metavar="N",
                         help="step limit (default: 10000)")
    descend.add_argument("--trace", action="store_true", help="print every step")
    descend.set_defaults(run=run_descend)


def run_descend(args: argparse.Namespace) -> int:
    from app.cli import fail
    from engine.descent import CONVERGED, DescentConfig, line_descent
    from engine.expression import ExpressionError, parse_expression

    try:
        function = parse_expression(args.function)
        config = DescentConfig(optimizer=args.optimizer,
                               hyperparameters={"learning_rate": args.lr},
                               schedule=args.schedule, schedule_period=args.schedule_period,
                               precision=args.precision, max_steps=args.max_steps)
        descent = line_descent(function, args.start, config)
    except (ExpressionError, ValueError) as error:
        return fail(str(error))

    print(f"f(x) = {function.text}, start x = {args.start:g}, {args.optimizer}, "
          f"learning rate {args.lr:g}, precision {args.precision:g}")
    while not descent.finished:
        descent.step()
        if args.trace:
            print(f"step {descent.steps}: x = {descent.points[-1][0]:.10g}, "
                  f"f(x) = {descent.values[-1]:.10g}")
    print(descent.summary())
    return 0 if descent.status == CONVERGED else 1
