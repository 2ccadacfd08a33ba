"""Microsoft's expression engine (the .NET evaluator inside data-factory-testing-framework) as a test oracle.

`EngineOracle().evaluate(text, scope)` hands one string value and an adfgen `Scope` to the engine and returns
`("ok", value)` or `("error", message)`, so that tests compare adfgen's evaluator with the engine on the same
inputs. The engine is called directly (about 1 ms a call); DFTF's own lark front end only whitelists names and
rewrites `dataset()`/`linkedService()` into `pipeline().dataset`/`pipeline().linkedService`, which is done here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from adfgen.expressions.evaluator import UNSET, Scope
from tests.dftf_support import prepare_dotnet

_ACCESSOR = re.compile(r"\b(dataset|linkedService)\(\s*\)", re.IGNORECASE)


def engine_problem() -> str | None:
    """Why the engine cannot run here, or None."""
    problem = prepare_dotnet()
    if problem:
        return problem
    try:
        import data_factory_testing_framework._pythonnet  # noqa: F401  loads coreclr
    except Exception as exc:  # noqa: BLE001 - pythonnet raises several kinds when coreclr cannot start
        return f"the .NET runtime cannot start: {str(exc).strip().splitlines()[0]}"
    return None


def engine_form(text: str) -> str:
    """text with dataset()/linkedService() written the way the bare engine knows them (as DFTF rewrites them)."""
    return _ACCESSOR.sub(lambda m: f"pipeline().{'dataset' if m.group(1).lower() == 'dataset' else 'linkedService'}",
                         text)


class EngineOracle:
    """One .NET Evaluator, reused for every call."""

    def __init__(self) -> None:
        problem = engine_problem()
        if problem:
            raise RuntimeError(problem)
        from Microsoft.Azure.DataFactoryTestingFramework.Expressions import Evaluator  # type: ignore

        self._evaluator = Evaluator()

    def evaluate(self, text: str, scope: Scope) -> tuple[str, Any]:
        """("ok", value) or ("error", the engine's message) for one string value in scope."""
        parameters = {
            "globalParameters": dict(scope.global_parameters),
            "parameters": dict(scope.parameters),
            "libraryVariables": {},
            "dataset": dict(scope.dataset or {}),
            "linkedService": dict(scope.linked_service or {}),
            **scope.system,
        }
        activities = {name: {"outputs": {"body": result}} for name, result in scope.activities.items()}
        item = None if scope.item is UNSET else json.dumps(scope.item)
        try:
            raw = self._evaluator.EvaluateExpression(
                engine_form(text), json.dumps(parameters), json.dumps(dict(scope.variables)), item,
                json.dumps(activities),
            )
        except Exception as exc:  # noqa: BLE001 - every .NET exception is an engine error message
            return "error", _message(exc)
        return "ok", json.loads(str(raw))["result"]


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
