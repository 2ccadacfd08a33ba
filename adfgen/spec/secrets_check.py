"""Refuse credential-looking values in a spec (with a reviewed escape hatch) and keep secrets out of every problem."""

from __future__ import annotations

import json
from typing import Any

from adfgen.core.errors import Problem
from adfgen.spec.secret_params import constants_in_credentials
from adfgen.spec.secret_values import fingerprint, scan, secret_bearing_values
from adfgen.spec.skeleton import TODO
from adfgen.spec.yaml_source import YamlDocument, dotted_path


def _reviewed(data: dict[str, Any]) -> set[tuple[str, str]]:
    """(field, fingerprint) pairs of the spec's `not_secrets` list (the model validates its shape)."""
    entries = data.get("not_secrets")
    if not isinstance(entries, list):
        return set()
    return {(str(e.get("field")), str(e.get("fingerprint"))) for e in entries if isinstance(e, dict)}


def credential_problems(doc: YamlDocument, file: str) -> tuple[list[Problem], set[str]]:
    """(one problem per unreviewed credential-looking value, every value that reports must hide)."""
    reviewed = _reviewed(doc.data)
    vault = _vault_name(doc.data)
    problems: list[Problem] = []
    # `adfgen init` writes TODO for every secret name: hiding it would turn each other field's TODO into a fingerprint
    hidden = set(secret_bearing_values(doc.data)) - {TODO}
    findings = list(scan(doc.data))
    flagged = {finding.path for finding in findings}
    findings += [f for f in constants_in_credentials(doc.data) if f.path not in flagged]
    for finding in findings:
        where, print_ = dotted_path(finding.path), fingerprint(finding.value)
        if (where, print_) in reviewed:
            continue
        hidden.add(finding.value)
        problems.append(Problem(file, doc.line_of(finding.path), where, (
            f"looks like a credential ({finding.what}; fingerprint {print_}); a spec names Key Vault secrets and never "
            f"holds their values: store it with `az keyvault secret set --vault-name {vault} --name <name> --file "
            "<file>` and name it under apis[].secrets (secrets.identity with a header for a header value); if review "
            f"shows it is not a secret, add {{field: '{where}', fingerprint: '{print_}', reason: ...}} to not_secrets")))
    return problems, hidden


def _vault_name(data: dict[str, Any]) -> str:
    factory = data.get("factory")
    url = factory.get("key_vault_url") if isinstance(factory, dict) else None
    if isinstance(url, str) and "://" in url:
        return url.split("://", 1)[1].split(".", 1)[0] or "<vault>"
    return "<vault>"


_SHORT = 6


def redact(problems: list[Problem], hidden: set[str]) -> list[Problem]:
    """`problems` with every hidden value (as written, quoted or escaped) replaced by its fingerprint."""
    text = "\n".join(p.where + "\n" + p.message for p in problems)
    forms: list[tuple[str, str]] = []
    for value in hidden:
        written = {value, repr(value)[1:-1], _json_inner(value), value.encode("unicode_escape").decode("ascii")}
        # a short value ('[', 'l', 'api') also occurs inside field paths and words: replaced only where quoted
        quotes = ("'", '"') if len(value) < _SHORT else ("",)
        shown = [(q, form) for form in written for q in quotes if form and q + form + q in text]
        if shown:  # fingerprints are slow on purpose: only for values a problem would show
            label = f"<value {fingerprint(value)}>"
            forms += [(q + form + q, q + label + q) for q, form in shown]
    if not forms:
        return problems
    forms.sort(key=lambda pair: -len(pair[0]))  # longer first: a value may contain another

    def clean(text: str) -> str:
        for form, label in forms:
            text = text.replace(form, label)
        return text

    return [Problem(p.file, p.line, clean(p.where), clean(p.message)) for p in problems]


def _json_inner(value: str) -> str:
    return json.dumps(value)[1:-1]
