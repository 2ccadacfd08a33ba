"""What activities mean for the security and reliability rules: Key Vault calls, token calls, secret outputs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from adfgen.check.exprs import analyse
from adfgen.check.walk import Activity, Pipeline, per_pipeline, pipeline_sites, value_text
from adfgen.spec.secret_values import CREDENTIAL_KEY, NOT_CREDENTIAL_KEY

KEYVAULT_HOST = re.compile(r"\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)", re.I)
TOKEN_URL = re.compile(r"/tokens?(?=$|[?'\"/#}])", re.I)
GRANT_TYPE = re.compile(r"grant_type", re.I)
REFRESH_GRANT = re.compile(r"grant_type\W{0,6}refresh_token", re.I)
CREDENTIAL_IN_BODY = re.compile(r"client_secret|refresh_token|password|client_assertion|[?&'\"]code=|\bcode\b\W{0,4}[:=]", re.I)
KEYVAULT_SECRET_FIELDS = frozenset({"value"})
TOKEN_SECRET_FIELDS = frozenset({"access_token", "refresh_token", "id_token"})
NO_POLICY_TYPES = frozenset({"foreach", "ifcondition", "until", "switch", "filter", "wait", "fail", "validation"})


def text_of(value: Any) -> str:
    """A searchable text for a literal, an Expression wrapper, or a JSON body object."""
    text = value_text(value)
    if text or value is None or isinstance(value, str):
        return text
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return ""


def is_web(activity: Activity) -> bool:
    """A Web activity."""
    return activity.kind == "webactivity"


def method_of(activity: Activity) -> str:
    """The HTTP method, upper case ('' when dynamic or missing)."""
    return value_text(activity.type_properties.get("method")).upper()


def url_of(activity: Activity) -> str:
    """The URL text (literal or expression)."""
    return value_text(activity.type_properties.get("url"))


def _msi_for_keyvault(activity: Activity) -> bool:
    auth = activity.type_properties.get("authentication")
    return isinstance(auth, dict) and "vault.azure" in value_text(auth.get("resource")).lower()


def is_keyvault_call(activity: Activity) -> bool:
    """A Web activity that calls the Key Vault data plane."""
    if not is_web(activity):
        return False
    url = url_of(activity)
    if KEYVAULT_HOST.search(url):
        return True
    # A vault-audience token alone is not enough (it is copied around); the URL must look like Key Vault too,
    # or be built entirely at run time (a global parameter, a variable): then only the audience can tell.
    if not _msi_for_keyvault(activity):
        return False
    if re.search(r"secrets|vault", url, re.I):
        return True
    return url.lstrip().startswith("@") and "://" not in url and _built_from_settings(url)


def _built_from_settings(url: str) -> bool:
    """A URL expression made only of (global) parameters and variables: a configured vault URL, not the
    address an earlier activity returned (which a copied MSI setting may be pointed at)."""
    refs = analyse(url).refs
    return bool(refs) and all(r.kind in ("parameter", "global_parameter", "variable") for r in refs)


def is_keyvault_read(activity: Activity) -> bool:
    """A Key Vault GET (a secret read)."""
    return is_keyvault_call(activity) and method_of(activity) in ("GET", "")


def is_keyvault_write(activity: Activity) -> bool:
    """A Key Vault PUT (a secret write)."""
    return is_keyvault_call(activity) and method_of(activity) == "PUT"


def called_pipeline(activity: Activity) -> str | None:
    """The name of the pipeline an Execute Pipeline activity runs, as written (None for other activities)."""
    reference = activity.type_properties.get("pipeline") if activity.kind == "executepipeline" else None
    name = reference.get("referenceName") if isinstance(reference, dict) else None
    return name if isinstance(name, str) else None


def body_text(activity: Activity) -> str:
    """The request body as text."""
    return text_of(activity.type_properties.get("body"))


def is_token_call(activity: Activity) -> bool:
    """A Web POST to an OAuth token endpoint (by its URL or a grant_type in the body)."""
    if not is_web(activity) or method_of(activity) != "POST" or is_keyvault_call(activity):
        return False
    return bool(GRANT_TYPE.search(body_text(activity)) or TOKEN_URL.search(url_of(activity)))


def is_refresh_grant(activity: Activity) -> bool:
    """A token call that redeems a refresh token (the token may rotate)."""
    return is_token_call(activity) and bool(REFRESH_GRANT.search(body_text(activity)))


def sends_credentials(activity: Activity) -> bool:
    """A token call whose body or Authorization header carries a credential."""
    headers = activity.type_properties.get("headers")
    if isinstance(headers, dict) and any(str(k).lower() == "authorization" for k in headers):
        return True
    return bool(CREDENTIAL_IN_BODY.search(body_text(activity)))


def is_true(value: Any) -> bool:
    """A JSON true (or the string "true")."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def secure_input(activity: Activity) -> bool:
    """policy.secureInput is true."""
    return is_true(activity.policy.get("secureInput"))


def secure_output(activity: Activity) -> bool:
    """policy.secureOutput is true."""
    return is_true(activity.policy.get("secureOutput"))


@dataclass(frozen=True)
class Producer:
    """An activity whose output holds a secret: which output fields, what the secret is, and how sure that is."""

    name: str  # the activity name as written
    fields: frozenset[str]  # lower-case output members that hold the secret
    what: str  # e.g. "a token endpoint's reply", "Key Vault secret 'db-password'"
    certain: bool  # True: a token reply or a credential-named value (an error); False: any Key Vault value (a warning)
    anywhere: bool = False  # True: the fields may sit at any depth (response headers, nested credentials)


@dataclass(frozen=True)
class Read:
    """One read of a secret in an expression: how it is written, where, and whose secret it is."""

    shown: str  # e.g. "activity('Get Key').output.value" or "variables('token')"
    position: int
    producer: Producer


# A member or secret name that says it holds a credential (shared with the spec's literal-secret scan).
CREDENTIAL_NAME = re.compile(CREDENTIAL_KEY.pattern + r"|key$|conn(ection)?[-_]?str|^sas|[-_]sas", re.I)
# ...unless it names one: an id, or the name of a Key Vault secret (`kvSecretAccessKey`, `kv-password`).
NOT_CREDENTIAL_NAME = re.compile(NOT_CREDENTIAL_KEY.pattern + r"|(^|[-_])ids?$|(?-i:[a-z]Ids?)$|^expires_in$|"
                                 r"(continuation|next|page|paging|cursor|sync|delta|skip)[-_]?token|"
                                 r"^(kv|akv|keyvault|key_?vault)([-_]|(?-i:[A-Z]))", re.I)


def credential_named(name: str) -> bool:
    """A field or secret name that says it holds a credential (password, secret, token, key, cookie, ...)."""
    return bool(name) and bool(CREDENTIAL_NAME.search(name)) and not NOT_CREDENTIAL_NAME.search(name)


def keyvault_name_hint(activity: Activity) -> str:
    """The secret's name from the URL, else the parameter or global parameter the URL is built from ('' if none)."""
    name = keyvault_secret_name(activity)
    if name:
        return name
    for ref in analyse(url_of(activity)).refs:
        if ref.kind in ("parameter", "global_parameter", "variable") and ref.name:
            return ref.name
    return ""


def _used_credential_fields(pipeline: Pipeline) -> dict[str, set[str]]:
    """Credential-named output members that the pipeline reads from each activity (lower-case names).

    A value used in a Key Vault URL names a secret; it is none, so those reads do not count.
    """
    found: dict[str, set[str]] = {}
    for site in pipeline_sites(pipeline):
        if "output" not in site.text.lower():
            continue
        if site.keys[:2] == ("typeProperties", "url") and site.activity is not None and is_keyvault_call(site.activity):
            continue
        for ref in analyse(site.text).refs:
            if ref.kind != "activity" or not ref.name or len(ref.members) < 2 or ref.members[0].lower() != "output":
                continue
            names = {m for m in ref.members[1:] if credential_named(m)}
            if names:
                found.setdefault(ref.name.lower(), set()).update(m.lower() for m in names)
    return found


@per_pipeline
def secret_producers(pipeline: Pipeline) -> dict[str, Producer]:
    """Activities whose output holds a secret, by lower-case name.

    Key Vault reads (certain when the secret is named like a credential), token calls (certain), and any Web
    call whose output the pipeline reads through a credential-named member (`output['secret-access-key']`,
    `output.ADFWebActivityResponseHeaders['Set-Cookie']`).
    """
    found: dict[str, Producer] = {}
    used = _used_credential_fields(pipeline)
    for activity in pipeline.all:
        key = activity.name.lower()
        extra = frozenset(used.get(key, ()))
        if is_keyvault_read(activity):
            hint = keyvault_name_hint(activity)
            certain = credential_named(hint)
            what = f"Key Vault secret '{hint}'" if hint else "a Key Vault secret whose name is built at run time"
            what += " (named like a credential)" if certain else " (not named like a credential, but kept in Key Vault)"
            found[key] = Producer(activity.name, KEYVAULT_SECRET_FIELDS, what, certain)
        elif is_token_call(activity):
            found[key] = Producer(activity.name, TOKEN_SECRET_FIELDS | extra, "a token endpoint's reply", True,
                                  anywhere=bool(extra))
        elif is_web(activity) and extra:
            shown = ", ".join(sorted(extra))
            found[key] = Producer(activity.name, extra, f"a Web call's reply (credential-named field"
                                  f"{'s' if len(extra) > 1 else ''} {shown})", True, anywhere=True)
    return found


def _producer_read(ref: Any, producers: dict[str, Producer]) -> Read | None:
    producer = producers.get(ref.name.lower()) if ref.name else None
    if producer is None:
        return None
    members = ref.members
    if not members:
        return Read(f"activity('{ref.name}').output", ref.position, producer)
    if members[0].lower() != "output":
        return None  # e.g. activity('X').status
    shown = f"activity('{ref.name}').output" + "".join(f".{m}" if m.isidentifier() else f"['{m}']" for m in members[1:])
    if len(members) == 1 or members[1].startswith("["):
        return Read(shown, ref.position, producer)
    lowered = [m.lower() for m in members[1:]]
    if lowered[0] in producer.fields or (producer.anywhere and any(m in producer.fields for m in lowered)):
        return Read(shown, ref.position, producer)
    return None


@per_pipeline
def secret_variables(pipeline: Pipeline) -> dict[str, Producer]:
    """Variables that a Set/Append Variable fills from a secret (directly or from another such variable)."""
    producers = secret_producers(pipeline)
    found: dict[str, Producer] = {}
    setters = [a for a in pipeline.all if a.kind in ("setvariable", "appendvariable")
               and isinstance(a.type_properties.get("variableName"), str)]
    changed = bool(producers) and bool(setters)
    while changed:  # a fixed point: a variable set from a secret variable is secret too
        changed = False
        for activity in setters:
            name = activity.type_properties["variableName"].lower()
            if name in found:
                continue
            reads = secret_reads(text_of(activity.type_properties.get("value")), producers, found)
            if reads:
                first = reads[0].producer
                found[name] = Producer(first.name, first.fields, first.what, first.certain, first.anywhere)
                changed = True
    return found


def secret_reads(text: str, producers: dict[str, Producer],
                 variables: dict[str, Producer] | None = None) -> list[Read]:
    """Each read in `text` of a secret output field (or of a variable holding a secret)."""
    hits = []
    for ref in analyse(text).refs:
        if ref.kind == "activity":
            read = _producer_read(ref, producers)
            if read is not None:
                hits.append(read)
        elif ref.kind == "variable" and variables and ref.name and ref.name.lower() in variables:
            hits.append(Read(f"variables('{ref.name}')", ref.position, variables[ref.name.lower()]))
    return hits


def keyvault_secret_name(activity: Activity) -> str:
    """The secret name in a Key Vault URL ('' when not literal)."""
    match = re.search(r"secrets/([0-9A-Za-z-]+)", url_of(activity))
    return match.group(1) if match else ""
