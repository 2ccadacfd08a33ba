"""EX: every string ADF evaluates is parsed: syntax, unknown functions, argument counts."""

from __future__ import annotations

from typing import Iterator

from adfgen.check.exprs import analyse
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.walk import Site


def _problems(ctx: Context, kind: str) -> Iterator[Hit]:
    for site in ctx.sites:
        for problem in analyse(site.text).problems:
            if problem.kind == kind:
                yield _at(site, problem.message, problem.position)


def _at(site: Site, message: str, position: int) -> Hit:
    """The hit for a problem at `position` of a site's text, which the message quotes (unless it holds a secret)."""
    column = position + 1
    return Hit.at(site, f"{message} (column {column} of {_excerpt(site.text)})", column)


def _excerpt(text: str, limit: int = 60) -> str:
    from adfgen.check.rules.security_rules import literal_secrets

    if literal_secrets(text):
        return "the value (not shown: it looks like it holds a secret)"
    text = text.replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


class ExpressionSyntax(Rule):
    """An expression that does not parse (unbalanced parentheses or quotes, a stray character, an empty `@{}`).

    Bad:
        {"pipeline/pl_x": {"parameters": {"Base": {"type": "String"}}, "activities": [
            {"name": "Call", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": {"value": "@concat(pipeline().parameters.Base, '/users'", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"parameters": {"Base": {"type": "String"}}, "activities": [
            {"name": "Call", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": {"value": "@concat(pipeline().parameters.Base, '/users')", "type": "Expression"}}}]}}
    """

    code = "EX001"
    name = "expression-syntax"
    message = "expression does not parse"

    def check(self, ctx: Context) -> Iterator[Hit]:
        yield from _problems(ctx, "syntax")


class UnknownFunction(Rule):
    """A function that the pipeline expression language does not have (the 84 documented ones are accepted).

    Bad:
        {"pipeline/pl_x": {"variables": {"d": {"type": "String"}}, "activities": [
            {"name": "Set Day", "type": "SetVariable", "typeProperties": {"variableName": "d",
             "value": {"value": "@formatDate(utcNow(), 'yyyy-MM-dd')", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"d": {"type": "String"}}, "activities": [
            {"name": "Set Day", "type": "SetVariable", "typeProperties": {"variableName": "d",
             "value": {"value": "@formatDateTime(utcNow(), 'yyyy-MM-dd')", "type": "Expression"}}}]}}
    """

    code = "EX002"
    name = "unknown-function"
    message = "unknown expression function"

    def check(self, ctx: Context) -> Iterator[Hit]:
        yield from _problems(ctx, "function")


class FunctionArity(Rule):
    """A function called with a number of arguments Microsoft's engine rejects.

    Bad:
        {"pipeline/pl_x": {"variables": {"s": {"type": "String"}}, "activities": [
            {"name": "Set", "type": "SetVariable", "typeProperties": {"variableName": "s",
             "value": {"value": "@toUpper('abc', 'def')", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"s": {"type": "String"}}, "activities": [
            {"name": "Set", "type": "SetVariable", "typeProperties": {"variableName": "s",
             "value": {"value": "@toUpper('abc')", "type": "Expression"}}}]}}
    """

    code = "EX003"
    name = "function-arity"
    message = "wrong number of arguments"

    def check(self, ctx: Context) -> Iterator[Hit]:
        yield from _problems(ctx, "arity")


class AlwaysFails(Rule):
    """An expression that fails in every run: a part of it involves only literals and the engine rejects it.

    adfgen evaluates each part that reads no parameter, variable, activity, item, clock or random value
    (`@div(1, 0)`, `@int('abc')`, `@json('{')`) with its own evaluator, which follows Microsoft's engine; a date
    function whose only varying input is its timestamp or the clock counts too when it fails for every
    timestamp (an invalid format such as `formatDateTime(utcNow(), 'yyyy%')`, time unit or Windows time zone).
    Parts that may never be evaluated (`if` branches; `and`, `or`, `coalesce` arguments after the first) are
    not reported.

    Bad:
        {"pipeline/pl_x": {"variables": {"d": {"type": "String"}}, "activities": [
            {"name": "Set Day", "type": "SetVariable", "typeProperties": {"variableName": "d",
             "value": {"value": "@formatDateTime(utcNow(), 'yyyy-MM-ddTHH:mm:ss%')", "type": "Expression"}}}]}}

    Bad:
        {"pipeline/pl_x": {"variables": {"n": {"type": "String"}}, "activities": [
            {"name": "Set Ratio", "type": "SetVariable", "typeProperties": {"variableName": "n",
             "value": {"value": "@concat(variables('n'), string(div(100, sub(2, 2))))", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"d": {"type": "String"}}, "activities": [
            {"name": "Set Day", "type": "SetVariable", "typeProperties": {"variableName": "d",
             "value": {"value": "@formatDateTime(utcNow(), 'yyyy-MM-ddTHH:mm:ssZ')", "type": "Expression"}}}]}}
    """

    code = "EX004"
    name = "always-fails"
    message = "expression fails in every run"

    def check(self, ctx: Context) -> Iterator[Hit]:
        from adfgen.check.always_fails import always_failing

        for site in ctx.sites:
            for failure in always_failing(site.text):
                yield _at(site, _shorten(failure.message), failure.position)


def _shorten(message: str, limit: int = 240) -> str:
    """The engine's message without its usage link, cut to a readable length."""
    message = message.split(" Please see https://aka.ms/", 1)[0].rstrip()
    return message if len(message) <= limit else message[: limit - 3] + "..."
