"""YAML spec files → validated, frozen spec models, with every problem as `file:line: field: message`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from adfgen.core.errors import AdfgenError, Problem
from adfgen.core.regular_files import read_regular_file
from adfgen.spec.advice import spec_warnings
from adfgen.spec.environments import api_environment_problems, apply_environment, line_lookup
from adfgen.spec.leftover_todos import leftover_todos
from adfgen.spec.model import FactoryConfig, SpecFile
from adfgen.spec.secrets_check import credential_problems, redact
from adfgen.spec.semantics import check_factory_wide, check_semantics
from adfgen.spec.validation_problems import problems_from_validation
from adfgen.spec.yaml_source import MAX_DOCUMENT_CHARS, TOP_LEVEL, PathKey, YamlDocument, dotted_path, parse_yaml

__all__ = ["LoadedSpec", "load_specs", "load_spec_text", "spec_json_schema"]


@dataclass(frozen=True)
class LoadedSpec:
    """One spec file, validated, with its factory config resolved for the chosen environment."""

    file: str
    spec: SpecFile
    env: str | None
    line_of: Callable[[PathKey], int] = field(default=lambda path: 1, compare=False, repr=False)
    warnings: tuple[Problem, ...] = ()

    @property
    def factory(self) -> FactoryConfig:
        """The factory config for this environment."""
        return self.spec.factory


def load_spec_text(text: str, file: str, env: str | None = None) -> tuple[LoadedSpec | None, list[Problem]]:
    """Parse and validate one spec's text for `env`; every environment's overrides are validated too."""
    doc, problems = parse_yaml(text, file)
    if problems:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [Problem(file, 1, TOP_LEVEL, "expected a mapping with 'factory' and 'apis' at the top level")]
    # before the model: a literal secret is refused even in a spec with other errors, and never shown in them
    secret_problems, hidden = credential_problems(doc, file)
    spec, problems = _validated(doc, file, env)
    # a TODO the model refuses already has its problem, naming the valid choices; the others would build as 'TODO'
    refused = {(p.line, p.where) for p in problems}
    problems += [t for t in leftover_todos(doc, file) if (t.line, t.where) not in refused]
    problems = redact(sorted(set(problems + secret_problems)), hidden)
    return (spec, []) if spec is not None and not problems else (None, problems)


def _validated(doc: YamlDocument, file: str, env: str | None) -> tuple[LoadedSpec | None, list[Problem]]:
    """The spec for `env`, validated with every environment's overrides; or the problems."""
    problems: list[Problem] = []
    environments = {}
    factory_raw = doc.data.get("factory")
    if isinstance(factory_raw, dict) and isinstance(factory_raw.get("environments"), dict):
        environments = factory_raw["environments"]
    if env is not None and env not in environments:
        choices = ", ".join(sorted(map(str, environments))) or "(none defined under factory.environments)"
        return None, [Problem(file, doc.line_of(("factory", "environments")), "factory.environments",
                              f"unknown environment '{env}'; expected one of: {choices}")]

    problems += [Problem(file, doc.line_of(path), dotted_path(path), message)
                 for path, message in api_environment_problems(doc.data)]
    chosen: tuple[SpecFile, Callable[[PathKey], int]] | None = None
    base: set[tuple[str, str]] = set()
    for name in [None] + sorted(str(n) for n in environments):
        data, line_of = doc.data, doc.line_of
        if name is not None:
            if not isinstance(environments.get(name), dict):
                continue  # reported by the base validation (environments values must be mappings)
            merged = apply_environment(doc.data, name)
            problems += [Problem(file, doc.line_of(path), dotted_path(path), message)
                         for path, message in merged.problems]
            data, line_of = merged.data, line_lookup(doc.lines, doc.line_of, merged.origins)
        try:
            spec = SpecFile.model_validate(data)
            found = check_semantics(spec, file, line_of)
        except ValidationError as exc:
            spec, found = None, problems_from_validation(exc, data, SpecFile, file, line_of)
        if name is None:
            base = {(p.where, p.message) for p in found}
        else:  # what the overrides break; the base reports its own problems once
            found = [Problem(p.file, p.line, f"{p.where} (environment {dotted_path((name,))})", p.message)
                     for p in found if (p.where, p.message) not in base]
        problems += found
        if name == env and spec is not None:
            chosen = (spec, line_of)
    problems = sorted(set(problems))
    if problems or chosen is None:
        return None, problems
    spec, line_of = chosen
    return LoadedSpec(file=file, spec=spec, env=env, line_of=line_of,
                      warnings=tuple(spec_warnings(spec, file, line_of))), []


def load_specs(paths: list[Path], env: str | None = None) -> list[LoadedSpec]:
    """Load every spec file; raise AdfgenError listing all problems of all files at once."""
    loaded: list[LoadedSpec] = []
    problems: list[Problem] = []
    for path in paths:
        shown = _display_path(path)
        try:
            text = _read_spec(Path(path))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
            problems.append(Problem(shown, 1, TOP_LEVEL, f"cannot read spec: {reason}"))
            continue
        spec, found = load_spec_text(text, shown, env)
        problems += found
        if spec is not None:
            loaded.append(spec)
    problems += _check_shared_factories(loaded)
    by_factory: dict[str, list[LoadedSpec]] = {}
    for item in loaded:
        by_factory.setdefault(item.factory.name, []).append(item)
    for items in by_factory.values():
        problems += check_factory_wide([(item.file, item.spec, item.line_of) for item in items])
    if problems:
        count = len(problems)
        raise AdfgenError(f"{count} problem{'s' if count != 1 else ''} in the specs; nothing was written",
                          problems)
    return loaded


def _read_spec(path: Path) -> str:
    """A spec's text: a regular file only (a FIFO or device would block or never end), read up to the size limit."""
    # UTF-8 takes at most 4 bytes a character; the refusals are ValueErrors, which the caller reports
    return read_regular_file(path, MAX_DOCUMENT_CHARS * 4, f"{MAX_DOCUMENT_CHARS:,} characters").decode("utf-8")


def _check_shared_factories(loaded: list[LoadedSpec]) -> list[Problem]:
    """Files that build into one factory must agree on its config, and API names must be unique in it."""
    problems: list[Problem] = []
    first: dict[str, LoadedSpec] = {}
    api_owner: dict[tuple[str, str], str] = {}
    for item in loaded:
        name = item.factory.name
        if name in first and first[name].factory != item.factory:
            problems.append(Problem(item.file, 1, "factory", f"factory '{name}' is also defined in "
                                    f"{first[name].file} with a different config; files that share a factory "
                                    "must agree on it"))
        first.setdefault(name, item)
        for api in item.spec.apis:
            owner = api_owner.setdefault((name, api.name), item.file)
            if owner != item.file:
                problems.append(Problem(item.file, 1, "apis", f"API '{api.name}' is also defined in {owner}"))
    return problems


def _display_path(path: Path) -> str:
    """The path as the user should see it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # outside the working directory, or a symlink loop (3.11: RuntimeError)
        return str(path)


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema of the spec format, for editors' YAML language servers."""
    schema = SpecFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "adfgen spec"
    return schema

