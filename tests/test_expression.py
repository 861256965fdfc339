"""The typed-function parser: the whitelist is accepted, everything else rejected."""

from __future__ import annotations

import math

import pytest
import torch

from engine.expression import FUNCTIONS, ExpressionError, parse_expression


@pytest.mark.parametrize("text, x, expected", [
    ("x**4 - 3*x**3 + 2", 2.25, 2.25**4 - 3 * 2.25**3 + 2),
    ("x^4 - 3*x^3 + 2", 2.0, -6.0),
    ("-x**2", 3.0, -9.0),
    ("+x / 4", 2.0, 0.5),
    ("2 * pi + e", 0.0, 2 * math.pi + math.e),
    ("1.5e-1 * x", 2.0, 0.3),
    ("sin(x) + cos(x)", 0.5, math.sin(0.5) + math.cos(0.5)),
    ("exp(log(sqrt(abs(x))))", -4.0, 2.0),
    ("tanh(x) * sigmoid(x)", 1.0, math.tanh(1.0) / (1 + math.exp(-1.0))),
])
def test_whitelist_evaluates(text, x, expected):
    assert parse_expression(text).evaluate(x) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_listed_function_parses(name):
    value = parse_expression(f"{name}(x / 4)").evaluate(0.5)
    assert math.isfinite(value)


def test_two_variables():
    function = parse_expression("x * y**2", ("x", "y"))
    assert function.evaluate(3.0, 2.0) == 12.0


def test_caret_binds_like_power():
    assert parse_expression("2*x^2 + 1").evaluate(3.0) == 19.0


def test_gradient_by_autograd():
    x = torch.tensor(6.0, dtype=torch.float64, requires_grad=True)
    parse_expression("x**4 - 3*x**3 + 2")(x).backward()
    assert float(x.grad) == 4 * 6.0**3 - 9 * 6.0**2


def test_constant_keeps_shape_and_zero_gradient():
    x = torch.linspace(-1, 1, 5, dtype=torch.float64, requires_grad=True)
    values = parse_expression("7")(x)
    values.sum().backward()
    assert values.shape == (5,)
    assert torch.all(x.grad == 0)


def test_works_on_grids():
    grid = torch.zeros(3, 4, dtype=torch.float64)
    assert parse_expression("x + y + 1", ("x", "y"))(grid, grid).shape == (3, 4)


@pytest.mark.parametrize("text, quoted", [
    ("__import__('os')", "__import__('os')"),
    ("x + __import__('os').system('ls')", "__import__('os').system('ls')"),
    ("x.real", "x.real"),
    ("().__class__", "().__class__"),
    ("lambda: 1", "lambda: 1"),
    ("(lambda x: x)(2)", "(lambda x: x)(2)"),
    ("x[0]", "x[0]"),
    ("x if x else 1", "x if x else 1"),
    ("x < 1", "x < 1"),
    ("x % 2", "x % 2"),
    ("'text'", "'text'"),
    ("True", "True"),
    ("eval('1')", "eval('1')"),
    ("[x]", "[x]"),
])
def test_rejects_and_quotes_offending_part(text, quoted):
    with pytest.raises(ExpressionError) as error:
        parse_expression(text)
    assert repr(quoted) in str(error.value)


@pytest.mark.parametrize("text, name", [("z + 1", "z"), ("os", "os"), ("x * y", "y")])
def test_rejects_unknown_names(text, name):
    with pytest.raises(ExpressionError, match=f"Unknown name '{name}'"):
        parse_expression(text)


def test_y_accepted_in_two_dimensions():
    assert parse_expression("x * y", ("x", "y")).variables == ("x", "y")


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("3x", "Invalid syntax"),
    ("x +", "Invalid syntax"),
    ("sin(x, x)", "exactly one argument"),
    ("sin(x=1)", "exactly one argument"),
    ("x" + " + x" * 100, "characters long"),
])
def test_rejects_malformed_text(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(text)


def test_error_is_value_error():
    assert issubclass(ExpressionError, ValueError)
