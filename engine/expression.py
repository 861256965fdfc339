"""Parse a typed function such as ``x**4 - 3*x**3 + 2`` into a torch function.

The text is parsed with Python's ``ast`` module and never evaluated as Python.
The parse tree is walked against a whitelist: numbers, the variables (x, or x
and y), the constants pi and e, ``+ - * / **`` (``^`` is read as ``**``),
unary minus and plus, and one-argument calls to the functions in FUNCTIONS.
Every other node is rejected with an ExpressionError whose sentence quotes the
offending part of the text. The accepted tree becomes a chain of closures over
torch operations, so the result works on float64 tensors of any shape and
autograd can differentiate it.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

MAX_LENGTH = 300

FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "tanh": torch.tanh,
    "exp": torch.exp,
    "log": torch.log,
    "log10": torch.log10,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "softplus": torch.nn.functional.softplus,
}

CONSTANTS = {"pi": math.pi, "e": math.e}

BINARY_OPERATORS: dict[type, Callable] = {
    ast.Add: torch.add,
    ast.Sub: torch.sub,
    ast.Mult: torch.mul,
    ast.Div: torch.div,
    ast.Pow: torch.pow,
}

# A compiled node takes the variable tensors by name and returns a tensor.
Node = Callable[[dict[str, torch.Tensor]], torch.Tensor]


class ExpressionError(ValueError):
    """A typed function that cannot be accepted; the message is a sentence for the user."""


@dataclass(frozen=True)
class Expression:
    """A parsed function of ``variables`` that evaluates on float64 tensors.

    Call it with one tensor per variable, in order, e.g. ``f(x)`` or ``f(x, y)``.
    The tensors must broadcast together. A function that uses none of its
    variables still returns a tensor of their shape, with a zero gradient.
    """

    text: str
    variables: tuple[str, ...]
    _root: Node
    _uses_variables: bool

    def __call__(self, *values: torch.Tensor) -> torch.Tensor:
        if len(values) != len(self.variables):
            raise TypeError(f"expected {len(self.variables)} tensors, got {len(values)}")
        scope = dict(zip(self.variables, values))
        result = self._root(scope)
        if not self._uses_variables:
            # 0 * x keeps the shape and gives autograd a path to x.
            for value in values:
                result = result + 0 * value
        return result

    def evaluate(self, *values: float) -> float:
        """Return the function's value at one point, as a Python float."""
        tensors = [torch.tensor(float(v), dtype=torch.float64) for v in values]
        return float(self(*tensors))


def parse_expression(text: str, variables: tuple[str, ...] = ("x",)) -> Expression:
    """Parse ``text`` into an Expression of ``variables``.

    Raise ExpressionError, quoting the offending part of the text, for
    invalid syntax and for anything outside the whitelist.
    """
    source = text.strip().replace("^", "**")
    if not source:
        raise ExpressionError("The function is empty; type a formula in "
                              f"{_variable_list(variables)}.")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"The function is {len(source)} characters long; "
                              f"the maximum is {MAX_LENGTH}.")
    tree = _parse_tree(source)
    compiler = _Compiler(source, variables)
    root = compiler.compile(tree.body)
    return Expression(text.strip(), variables, root, compiler.uses_variables)


def _parse_tree(source: str) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as error:
        column = error.offset or 1
        near = source[max(column - 1, 0):][:12] or "the end"
        raise ExpressionError(f"Invalid syntax at column {column} (near {near!r}): "
                              "write products with *, e.g. 3*x.") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("The function is nested too deeply or contains invalid "
                              "characters.") from None


def _variable_list(variables: tuple[str, ...]) -> str:
    return " and ".join(variables)


def _allowed(variables: tuple[str, ...]) -> str:
    return (f"Allowed: numbers, {', '.join(variables)}, pi, e, + - * / ** "
            f"and the functions {', '.join(FUNCTIONS)}.")


class _Compiler:
    """Walk a parse tree, reject what is not whitelisted and build closures."""

    def __init__(self, source: str, variables: tuple[str, ...]):
        self.source = source
        self.variables = variables
        self.uses_variables = False

    def compile(self, node: ast.AST) -> Node:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPERATORS:
            return self._binary(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self._unary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise self._rejection(node)

    def _constant(self, node: ast.Constant) -> Node:
        # bool is a subclass of int, and True is no number a user typed.
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise self._rejection(node)
        try:
            number = float(node.value)
        except OverflowError:
            raise ExpressionError(f"The number {self._segment(node)} is too large.") from None
        value = torch.tensor(number, dtype=torch.float64)
        return lambda scope: value

    def _name(self, node: ast.Name) -> Node:
        name = node.id
        if name in self.variables:
            self.uses_variables = True
            return lambda scope: scope[name]
        if name in CONSTANTS:
            value = torch.tensor(CONSTANTS[name], dtype=torch.float64)
            return lambda scope: value
        hint = " It is a function: call it, e.g. sin(x)." if name in FUNCTIONS else ""
        raise ExpressionError(f"Unknown name {name!r}.{hint} {_allowed(self.variables)}")

    def _binary(self, node: ast.BinOp) -> Node:
        left = self.compile(node.left)
        right = self.compile(node.right)
        operator = BINARY_OPERATORS[type(node.op)]
        return lambda scope: operator(left(scope), right(scope))

    def _unary(self, node: ast.UnaryOp) -> Node:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        return lambda scope: torch.neg(operand(scope))

    def _call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise self._rejection(node)
        name = node.func.id
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{self._segment(node)!r} is invalid: {name} takes exactly one "
                                  f"argument, e.g. {name}(x).")
        argument = self.compile(node.args[0])
        function = FUNCTIONS[name]
        return lambda scope: function(argument(scope))

    def _segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or type(node).__name__

    def _rejection(self, node: ast.AST) -> ExpressionError:
        """Return the error for a node outside the whitelist, quoting its text."""
        part = self._segment(node)
        reason = _REJECTION_REASONS.get(type(node), "is not allowed")
        if isinstance(node, ast.Call):
            reason = "calls a function that is not in the list"
        return ExpressionError(f"{part!r} {reason}. {_allowed(self.variables)}")


_REJECTION_REASONS: dict[type, str] = {
    ast.Attribute: "uses attribute access, which is not allowed",
    ast.Lambda: "is a lambda, which is not allowed",
    ast.Subscript: "uses indexing, which is not allowed",
    ast.Compare: "is a comparison, which is not allowed",
    ast.BoolOp: "is a logical operation, which is not allowed",
    ast.IfExp: "is a conditional expression, which is not allowed",
    ast.Constant: "is not a number",
    ast.BinOp: "uses an operator that is not allowed",
    ast.UnaryOp: "uses an operator that is not allowed",
}
