"""Run a generated pipeline's Web activities over real HTTPS: DFTF evaluates, this sends what it evaluated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

MSI_TOKEN = "managed-identity-token-for-tests"  # what the factory's identity would present to Key Vault


@dataclass
class Call:
    """One HTTP call a Web activity made, as sent."""

    activity: str
    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    status: int


@dataclass
class Run:
    """What a pipeline run did: activities in order, HTTP calls, failures."""

    activities: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    evaluated: dict[str, Any] = field(default_factory=dict)  # activity name -> DFTF's evaluated activity


def _value(element: Any) -> Any:
    return getattr(element, "result", element)


def run_pipeline(framework: Any, name: str, parameters: dict[str, Any], *, ca_path: str,
                 outputs: dict[str, Any] | None = None, stop_at: str | None = None) -> Run:
    """Evaluate `name`, sending each WebActivity's evaluated request; other activities get `outputs` or {}.
    `stop_at` ends the walk after that activity (DFTF cannot finish a loop whose activities get skipped)."""
    from data_factory_testing_framework.exceptions import NoRemainingPipelineActivitiesMeetDependencyConditionsError
    from data_factory_testing_framework.state import RunParameter, RunParameterType

    params = [RunParameter(RunParameterType.System, "RunId", "run-http-1")]
    params += [RunParameter(RunParameterType.Pipeline, k, v) for k, v in parameters.items()]
    run = Run()
    try:
        _walk(framework.evaluate_pipeline(framework.get_pipeline_by_name(name), params), run, ca_path, outputs or {},
              stop_at)
    except NoRemainingPipelineActivitiesMeetDependencyConditionsError:
        if not run.failed:  # the run stopped for another reason than a failed activity
            raise
    return run


def _walk(activities: Any, run: Run, ca_path: str, outputs: dict[str, Any], stop_at: str | None = None) -> None:
    from data_factory_testing_framework.state import DependencyCondition

    for activity in activities:
        run.activities.append(activity.name)
        run.evaluated[activity.name] = activity
        if activity.name == stop_at:
            return
        if activity.type != "WebActivity":
            activity.set_result(DependencyCondition.SUCCEEDED, outputs.get(activity.name, {}))
            continue
        props = activity.type_properties
        headers = {k: str(_value(v)) for k, v in (props.get("headers") or {}).items()}
        auth = props.get("authentication") or {}
        if auth.get("type") == "MSI":
            headers["Authorization"] = f"Bearer {MSI_TOKEN}"
        body = _value(props.get("body")) if props.get("body") is not None else None
        method, url = _value(props["method"]), _value(props["url"])
        response = requests.request(method, url, headers=headers, data=body.encode() if body else None,
                                    verify=ca_path, timeout=10)
        run.calls.append(Call(activity.name, method, url, headers, body, response.status_code))
        if response.ok:
            activity.set_result(DependencyCondition.SUCCEEDED, response.json())
        else:
            run.failed.append(activity.name)
            activity.set_result(DependencyCondition.FAILED, {})
