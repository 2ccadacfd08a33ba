"""Turn REST pages into rows: the translator's collectionReference and mappings."""

from __future__ import annotations

from typing import Any

from adfgen.local.activities import _jsonpath
from adfgen.local.runner import ActivityFailure


def _path(spec: Any) -> str | None:
    if isinstance(spec, dict):
        return spec.get("path") or spec.get("name")
    return spec if isinstance(spec, str) else None


def rows(document: Any, translator: dict[str, Any] | None) -> list[Any]:
    """The rows of one page: the elements at collectionReference (or the page itself), mapped if asked."""
    translator = translator if isinstance(translator, dict) else {}
    reference = translator.get("collectionReference")
    if document is None:
        return []
    if reference:
        try:
            found = _jsonpath.select(document, str(reference))
        except ValueError as exc:
            raise ActivityFailure(f"collectionReference: {exc}", "InvalidTranslator") from None
        items = [] if found is _jsonpath.MISSING or found is None else (found if isinstance(found, list) else [found])
    else:
        items = document if isinstance(document, list) else [document]
    mappings = translator.get("mappings")
    if not isinstance(mappings, list) or not mappings:
        return list(items)
    mapped = []
    for item in items:
        row = {}
        for mapping in mappings:
            source = _path(mapping.get("source"))
            sink = _path(mapping.get("sink"))
            if not source or not sink:
                raise ActivityFailure("a translator mapping needs a source path and a sink name", "InvalidTranslator")
            base = document if source.startswith("$") and reference else item
            try:
                value = _jsonpath.select(base, source)
            except ValueError as exc:
                raise ActivityFailure(f"mapping: {exc}", "InvalidTranslator") from None
            row[sink.lstrip("$.[]'")] = None if value is _jsonpath.MISSING else value
        mapped.append(row)
    return mapped
