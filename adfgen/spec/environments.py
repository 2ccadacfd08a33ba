"""Per-environment overrides: the factory's and each API's, deep-merged, with lists of named things merged by name."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from adfgen.spec.yaml_source import PathKey

# the key that names an item of a list of mappings: endpoints by `name`, secrets.identity by `secret`
NAMING_KEYS = ("name", "secret")


@dataclass
class Merged:
    """One environment's spec data, where its values came from, and the overrides that name nothing."""

    data: Any
    origins: dict[PathKey, PathKey] = field(default_factory=dict)  # merged path → the override that set it
    problems: list[tuple[PathKey, str]] = field(default_factory=list)  # (override path, message)


def naming_key(items: list[Any]) -> str | None:
    """The key every item of `items` is named by, or None (not a list of named mappings: replaced whole)."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    return next((key for key in NAMING_KEYS if all(key in item for item in items)), None)


def _scalar(value: Any) -> bool:
    """A value that can name an item (a list or mapping there is the model's error to report, not a merge key)."""
    return value is None or isinstance(value, (str, int, float, bool))


def merge(base: Any, override: Any, at: PathKey, at_override: PathKey, out: Merged) -> Any:
    """`override` over `base`: mappings key by key, lists of named mappings item by item by name, else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if key in base:
                merged[key] = merge(base[key], value, at + (key,), at_override + (key,), out)
            else:
                merged[key] = value
                out.origins[at + (key,)] = at_override + (key,)
        return merged
    key = naming_key(base) if isinstance(base, list) and isinstance(override, list) else None
    if key is None:
        out.origins[at] = at_override
        return override
    merged = list(base)
    index = {item[key]: i for i, item in enumerate(base) if _scalar(item[key])}
    what = str(at[-1]).removesuffix("s") if at else "item"
    for j, item in enumerate(override):
        name = item.get(key) if isinstance(item, dict) else None
        if not _scalar(name) or name not in index:
            where = at_override + (j, key) if isinstance(item, dict) and key in item else at_override + (j,)
            shown = f"unknown {what} {name!r}" if name is not None else f"no '{key}' naming the {what} to override"
            out.problems.append((where, f"{shown}: an override of a list of named things must name one of them "
                                        f"({', '.join(map(str, index))}); it cannot add one"))
            continue
        merged[index[name]] = merge(base[index[name]], item, at + (index[name],), at_override + (j,), out)
    return merged


def environment_names(data: dict[str, Any]) -> list[str]:
    """The environments `factory.environments` defines."""
    factory = data.get("factory")
    environments = factory.get("environments") if isinstance(factory, dict) else None
    return sorted(str(name) for name in environments) if isinstance(environments, dict) else []


def api_environment_problems(data: dict[str, Any]) -> list[tuple[PathKey, str]]:
    """API overrides for an environment the factory does not define (it would build into no factory of its own)."""
    known = environment_names(data)
    problems: list[tuple[PathKey, str]] = []
    apis = data.get("apis")
    for a, api in enumerate(apis if isinstance(apis, list) else []):  # another shape is the model's error to report
        overrides = api.get("environments") if isinstance(api, dict) else None
        for name in overrides if isinstance(overrides, dict) else ():
            if str(name) not in known:
                problems.append((("apis", a, "environments", name),
                                 f"unknown environment '{name}'; define it under factory.environments (expected one "
                                 f"of: {', '.join(known) or 'none defined'})"))
    return problems


def apply_environment(data: dict[str, Any], env: str) -> Merged:
    """The spec data for `env`: factory.environments.<env> over the factory, apis[i].environments.<env> over each API."""
    out = Merged(copy.copy(data))
    factory = data["factory"]
    base = {k: v for k, v in factory.items() if k != "environments"}
    override = factory["environments"].get(env)
    out.data["factory"] = {**merge(base, override if isinstance(override, dict) else {}, ("factory",),
                                   ("factory", "environments", env), out), "environments": {}}
    apis = data.get("apis")
    if isinstance(apis, list):
        out.data["apis"] = [_api_for(api, a, env, out) for a, api in enumerate(apis)]
    return out


def _api_for(api: Any, a: int, env: str, out: Merged) -> Any:
    """One API with its override for `env` merged in (its `environments` emptied: they are applied)."""
    if not isinstance(api, dict) or not isinstance(api.get("environments"), dict):
        return api
    override = api["environments"].get(env)
    base = {k: v for k, v in api.items() if k != "environments"}
    if not isinstance(override, dict):
        return {**base, "environments": {}}
    return {**merge(base, override, ("apis", a), ("apis", a, "environments", env), out), "environments": {}}


def line_lookup(doc_lines: dict[PathKey, int], base_line_of, origins: dict[PathKey, PathKey]):
    """Lines for a merged spec: the override's where it set the value (or an enclosing one), else the base's."""
    def line_of(path: PathKey) -> int:
        path = tuple(path)
        for end in range(len(path), 0, -1):
            if path[:end] in origins:
                target = origins[path[:end]] + path[end:]
                for cut in range(len(target), 0, -1):
                    if target[:cut] in doc_lines:
                        return doc_lines[target[:cut]]
        return base_line_of(path)
    return line_of
