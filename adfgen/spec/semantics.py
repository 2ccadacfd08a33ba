"""Cross-field rules a schema cannot express: references, duplicates, what each OAuth flow needs."""

from __future__ import annotations

from typing import Callable

from adfgen.core.errors import Problem
from adfgen.spec.auth_checks import check_auth
from adfgen.spec.model import Api, Endpoint, FactoryConfig, SpecFile
from adfgen.spec.request_checks import check_requests
from adfgen.spec.variants.auth import flow_of
from adfgen.spec.variants.sinks import SINKS
from adfgen.spec.yaml_source import PathKey, dotted_path


Report = Callable[[PathKey, str], None]


def check_semantics(spec: SpecFile, file: str, line_of: Callable[[PathKey], int]) -> list[Problem]:
    """Every cross-field problem in one validated spec file."""
    problems: list[Problem] = []

    def report(path: PathKey, message: str) -> None:
        problems.append(Problem(file, line_of(path), dotted_path(path), message))

    _check_factory_sinks(spec.factory, report)
    seen_apis: dict[str, int] = {}
    for a, api in enumerate(spec.apis):
        at = ("apis", a)
        if api.name in seen_apis:
            report(at + ("name",), f"duplicate API name '{api.name}' (first at apis[{seen_apis[api.name]}])")
        seen_apis.setdefault(api.name, a)
        _check_api(api, at, spec.factory, report)
    return problems


def _check_factory_sinks(factory: FactoryConfig, report: Report) -> None:
    """The default and state sinks name sinks of the right kind."""
    sink_names = sorted(factory.sinks)
    if factory.default_sink and factory.default_sink not in factory.sinks:
        report(("factory", "default_sink"), f"unknown sink '{factory.default_sink}'; expected one of: "
               + ", ".join(sink_names))
    if factory.state_sink:
        file_sinks = sorted(n for n, s in factory.sinks.items() if s.holds_files)
        if factory.state_sink not in file_sinks:
            report(("factory", "state_sink"), f"'{factory.state_sink}' is not a file sink; expected one of: "
                   + (", ".join(file_sinks) or "(no file sink defined)"))


def _check_api(api: Api, at: PathKey, factory: FactoryConfig, report: Report) -> None:
    """One API: its auth and requests, schedules, generated headers, and each endpoint."""
    check_auth(api, at, report)
    check_requests(api, at, report)
    for key in ("schedule", "keep_alive"):
        schedule = getattr(api, key)
        if schedule and schedule.time_zone != "UTC" and schedule.start_time.endswith("Z"):
            report(at + (key, "start_time"), f"with time_zone {schedule.time_zone} write the local time "
                   "without Z (ADF reads Z as UTC)")
    generated = {api.auth.token_header.name.lower(): "the access token"}
    generated.update({i.header.lower(): f"secret '{i.secret}'" for i in api.secrets.identity if i.header})
    for key in api.headers:
        if key.lower() in generated:
            report(at + ("headers", key), f"header '{key}' is generated from {generated[key.lower()]}; "
                   "remove it here")
    seen_endpoints: dict[str, int] = {}
    for e, endpoint in enumerate(api.endpoints):
        ep = at + ("endpoints", e)
        if endpoint.name in seen_endpoints:
            report(ep + ("name",), f"duplicate endpoint name '{endpoint.name}' "
                   f"(first at endpoints[{seen_endpoints[endpoint.name]}])")
        seen_endpoints.setdefault(endpoint.name, e)
        for key in endpoint.headers:
            source = generated.get(key.lower())
            if source:
                report(ep + ("headers", key), f"header '{key}' is generated from {source}; remove it here")
        _check_endpoint_sink(api, at, endpoint, ep, factory, report)
        if endpoint.parent is not None:
            _check_parent(api, endpoint, ep, factory, report)


def _only_sink(factory: FactoryConfig) -> str | None:
    """The factory's one sink, when it has exactly one (then no endpoint needs to name it)."""
    return next(iter(factory.sinks)) if len(factory.sinks) == 1 else None


def _check_endpoint_sink(api: Api, at: PathKey, endpoint: Endpoint, ep: PathKey, factory: FactoryConfig,
                         report: Report) -> None:
    """The endpoint lands in a known sink, through fields that sink reads."""
    sink_names = sorted(factory.sinks)
    sink_name = endpoint.sink or api.sink or factory.default_sink or _only_sink(factory)
    if sink_name is None:
        report(ep, "no sink: set factory.default_sink, apis[].sink or endpoints[].sink; expected one of: "
               + ", ".join(sink_names))
    elif sink_name not in factory.sinks:
        where = ep + ("sink",) if endpoint.sink else at + ("sink",)
        report(where, f"unknown sink '{sink_name}'; expected one of: {', '.join(sink_names)}")
    sink = factory.sinks.get(sink_name) if sink_name else None
    if sink is not None:
        _check_sink_fields(endpoint, sink, ep, report)


def _check_parent(api: Api, endpoint: Endpoint, ep: PathKey, factory: FactoryConfig, report: Report) -> None:
    """A child endpoint's parent: another root endpoint whose records land one per row in a file sink."""
    endpoints = {e.name: e for e in api.endpoints}
    parent = endpoints.get(endpoint.parent.endpoint)
    if parent is None:
        others = sorted(n for n in endpoints if n != endpoint.name)
        report(ep + ("parent", "endpoint"), f"unknown parent endpoint '{endpoint.parent.endpoint}'; "
               f"expected one of: {', '.join(others)}")
    elif parent.name == endpoint.name:
        report(ep + ("parent", "endpoint"), "an endpoint cannot be its own parent")
    elif parent.parent is not None:
        report(ep + ("parent", "endpoint"), f"parent '{parent.name}' is itself a child endpoint; "
               "fan-out is one level deep")
    else:
        parent_sink = factory.sinks.get(parent.sink or api.sink or factory.default_sink or _only_sink(factory) or "")
        if parent_sink is not None and not parent_sink.holds_files:
            report(ep + ("parent", "endpoint"), f"parent '{parent.name}' must land in a file sink: the "
                   "child reads the parent's keys back from its file")
        if parent.records_path is None:
            report(ep + ("parent", "endpoint"), f"parent '{parent.name}' needs records_path so that its "
                   "records (and their keys) land one per row")


def _check_sink_fields(endpoint, sink, ep: PathKey, report) -> None:
    """An endpoint's landing fields (folder, table) must be ones its sink type reads."""
    for key in ("folder", "table"):
        if getattr(endpoint, key) is not None and key not in sink.endpoint_fields:
            owners = [unit for _, unit in SINKS if key in unit.endpoint_fields]
            holding = "file" if all(u.holds_files for u in owners) else "table" if not any(
                u.holds_files for u in owners) else "some"
            report(ep + (key,), f"{key} applies to {holding} sinks only ({', '.join(u.type_name() for u in owners)}); "
                   f"this endpoint's sink is {sink.type}, which holds {'files' if sink.holds_files else 'tables'}")


def _generated_bases(spec: SpecFile, seen_apis: set[str]) -> list[tuple[str, str, PathKey]]:
    """(kind, base name, where it comes from) for every resource the planner will name.

    Duplicate API and endpoint names are reported on their own; they are skipped here.
    """
    bases: list[tuple[str, str, PathKey]] = []
    for sink in spec.factory.sinks:
        bases.append(("linkedService", sink, ("factory", "sinks", sink)))
    for a, api in enumerate(spec.apis):
        if api.name in seen_apis:
            continue
        seen_apis.add(api.name)
        at = ("apis", a)
        bases += [("pipeline", f"{api.name}_refresh", at + ("name",)),
                  ("pipeline", f"{api.name}_controller", at + ("name",)),
                  ("trigger", f"{api.name}_schedule", at + ("name",)),
                  ("trigger", f"{api.name}_keepalive", at + ("name",))]
        first = {}
        for i, e in enumerate(api.endpoints):
            first.setdefault(e.name, i)
        bases += [("pipeline", f"{api.name}_{name}", at + ("endpoints", i, "name")) for name, i in first.items()]
        if flow_of(api.auth).linked_service_auth(api, "key_vault") is not None:  # its own REST linked service
            bases += [(kind, f"{api.name}_rest", at + ("auth", "flow")) for kind in ("linkedService", "dataset")]
    return bases


def check_factory_wide(specs: list[tuple[str, SpecFile, Callable[[PathKey], int]]]) -> list[Problem]:
    """Rules across every API of one factory: generated names must not collide, token secrets must not be shared."""
    problems: list[Problem] = []
    names: dict[tuple[str, str], tuple[str, str]] = {("linkedService", "rest"): ("", "the generic REST linked service"),
                                                     ("linkedService", "key_vault"): ("", "the Key Vault linked service")}
    token_owner: dict[str, str] = {}
    seen_apis: set[str] = set()
    for index, (file, spec, line_of) in enumerate(specs):
        sinks_seen = index > 0  # files of one factory share its sinks (they must agree on the config)
        for kind, base, path in _generated_bases(spec, seen_apis):
            if sinks_seen and path[0] == "factory":
                continue
            other = names.get((kind, base))
            if other is not None:
                where = other[1] if other[0] in ("", file) else f"{other[0]}: {other[1]}"
                problems.append(Problem(file, line_of(path), dotted_path(path),
                                        f"the generated {kind} name for '{base}' is also the one for {where}; "
                                        "rename one of them"))
            names.setdefault((kind, base), (file, dotted_path(path)))
        for a, api in enumerate(spec.apis):
            for role in ("refresh_token", "access_token"):
                secret = getattr(api.secrets, role)
                if secret is None:
                    continue
                path = ("apis", a, "secrets", role)
                owner = token_owner.setdefault(secret, f"API '{api.name}' ({role})")
                if owner != f"API '{api.name}' ({role})":
                    problems.append(Problem(file, line_of(path), dotted_path(path),
                                            f"secret '{secret}' also holds the token of {owner}: two refresh "
                                            "pipelines would rotate one single-use token; share one API instead"))
            for i, identity in enumerate(api.secrets.identity):
                if len(identity.secret) > 51:  # it names a "Get <secret>" activity: 55 characters at most
                    path = ("apis", a, "secrets", "identity", i, "secret")
                    problems.append(Problem(file, line_of(path), dotted_path(path),
                                            "at most 51 characters: it names the activity that reads it"))
    return problems
