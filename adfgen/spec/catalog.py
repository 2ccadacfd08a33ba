"""The catalog of real APIs shipped with adfgen: list its specs and copy one for a user, the user's names marked TODO."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from adfgen.core.errors import AdfgenError
from adfgen.spec.yaml_source import parse_yaml

TODO = "TODO"
# Fields whose values are the user's own (their Azure resources and Key Vault names), not facts about the API.
_USER_FIELDS = (
    re.compile(r"^factory\.(name|key_vault_url|integration_runtime)$"),
    re.compile(r"^factory\.sinks\.[^.]+\.(account_url|container|server|database)$"),
    re.compile(r"^factory\.azure\.[^.]+$"),
    re.compile(r"^factory\.environments\.[^.]+\.(name|key_vault_url)$"),
    re.compile(r"^factory\.environments\.[^.]+\.sinks\.[^.]+\.(account_url|container|server|database)$"),
    re.compile(r"^factory\.environments\.[^.]+\.azure\.[^.]+$"),
    re.compile(r"^apis\.\d+\.secrets\.[^.]+$"),
    re.compile(r"^apis\.\d+\.auth\.client_id$"),  # client_credentials_native: the app registration's own id
    re.compile(r"^apis\.\d+\.secrets\.[^.]+\.\d+\.secret$"),
)


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog spec: its name (the file's stem), its file and its one-line summary (the first comment)."""

    name: str
    path: Path
    summary: str


def catalog_dir() -> Path:
    """The catalog's folder: inside the wheel (adfgen/_data/specs/catalog) or in a source checkout (specs/catalog)."""
    package = Path(__file__).resolve().parent.parent  # adfgen/
    packaged = package / "_data" / "specs" / "catalog"
    return packaged if packaged.is_dir() else package.parent / "specs" / "catalog"


def entries() -> list[CatalogEntry]:
    """Every catalog spec, by name."""
    found = []
    for path in sorted(catalog_dir().glob("*.yaml")):
        first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")), "#")
        found.append(CatalogEntry(path.stem, path, first.lstrip("#").strip()))
    return found


def entry(name: str) -> CatalogEntry:
    """The catalog spec called `name`; an error listing the names when there is none."""
    for item in entries():
        if item.name == name.lower():
            return item
    names = ", ".join(e.name for e in entries()) or "(the catalog is empty)"
    raise AdfgenError(f"no catalog entry '{name}'; the catalog has: {names}")


def user_fields(text: str) -> dict[int, str]:
    """Line number -> dotted field path of every value that is the user's own (see _USER_FIELDS)."""
    doc, problems = parse_yaml(text, "catalog")
    if problems:
        raise AdfgenError(f"catalog spec does not parse: {problems[0].message}")
    marked: dict[int, str] = {}
    for path, line in doc.lines.items():
        dotted = ".".join(map(str, path))
        if any(pattern.match(dotted) for pattern in _USER_FIELDS) and _is_scalar(doc.data, path):
            marked.setdefault(line, dotted)
    return marked


def user_copy(name: str) -> str:
    """A catalog spec's text with `# TODO` on each line whose value the user must replace with their own."""
    text = entry(name).path.read_text(encoding="utf-8")
    marked = user_fields(text)
    lines = text.splitlines()
    for number, field in marked.items():
        line = lines[number - 1]
        if TODO not in line:
            lines[number - 1] = f"{line}  # {TODO}: your own ({field})"
    header = (f"# Copied from adfgen's catalog ({name}). Replace every value marked {TODO} with your own names,\n"
              "# then `adfgen build` and `adfgen check out/`.\n")
    return header + "\n".join(lines) + "\n"


def _is_scalar(data: object, path: tuple) -> bool:
    """Whether the value at `path` is a scalar written on its key's line (so a trailing comment can mark it)."""
    value = data
    for key in path:
        try:
            value = value[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return False
    return not isinstance(value, (dict, list))


def fields_table() -> str:
    """A Markdown table: each API field (endpoint fields as `endpoints[].x`) against the catalog specs that set it,
    with the value when it is a short word (a flow, a pagination kind) and ✓ otherwise."""
    import yaml

    found = entries()
    columns: list[dict[str, str]] = []
    order: list[str] = []
    for item in found:
        api = (yaml.safe_load(item.path.read_text(encoding="utf-8")).get("apis") or [{}])[0]
        cells: dict[str, str] = {}
        for key, value in api.items():
            if key == "endpoints":
                for endpoint in value:
                    for field, inner in endpoint.items():
                        _cell(cells, order, f"endpoints[].{field}", inner, nested=False)
            elif isinstance(value, dict) and key in ("auth", "pagination", "secrets", "rate_limit"):
                for field, inner in value.items():
                    _cell(cells, order, f"{key}.{field}", inner, nested=True)
            else:
                _cell(cells, order, key, value, nested=False)
        columns.append(cells)
    from adfgen.spec.model import Api

    top = list(Api.model_fields)  # the model's field order, endpoint fields under `endpoints`
    first = {f: i for i, f in enumerate(order)}

    def position(f: str) -> tuple[int, int]:
        group = f.split(".")[0].replace("[]", "")
        return (top.index(group) if group in top else len(top), first[f])
    order.sort(key=position)
    lines = ["| field | " + " | ".join(e.name for e in found) + " |",
             "| --- |" + " --- |" * len(found)]
    for field in order:
        lines.append(f"| `{field}` | " + " | ".join(c.get(field, "") for c in columns) + " |")
    return "\n".join(lines)


def _cell(cells: dict[str, str], order: list[str], field: str, value: object, nested: bool) -> None:
    if field not in order:
        order.append(field)
    short = isinstance(value, str) and re.fullmatch(r"[a-z_]{1,32}", value) and field not in ("name",)
    text = f"`{value}`" if nested and short else "✓"
    if cells.get(field, text) != text:
        text = "✓"
    cells[field] = text
