"""Deploy ownership (issue 14, item 4): --prune deletes only what carries the exact "adfgen" annotation element."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from adfgen.azure.diff import DELETE, ORPHAN, UNMANAGED, LiveResource, compute_plan
from adfgen.core.resources import Resource, carries_managed_annotation
from tests.robustness.strategies import json_values

KINDS = ["linkedService", "dataset", "pipeline", "trigger"]


def _action(annotations, prune: bool = True) -> str:
    live = LiveResource("pipeline", "pl_live", {"activities": [], "annotations": annotations})
    plan = compute_plan([], [live], prune=prune)
    (item,) = plan.items
    return item.action


@pytest.mark.parametrize("annotations", [
    "adfgen", "managed by adfgen", "not-adfgen", ["adfgen-old"], ["ADFGEN"], [" adfgen"], [["adfgen"]],
    [{"adfgen": True}], {"adfgen": "adfgen"}, ["adfgen:ignore=SE003"], None, [],
], ids=repr)
def test_prune_never_deletes_what_is_not_exactly_annotated(annotations):
    assert _action(annotations) == UNMANAGED


@pytest.mark.parametrize("annotations", [["adfgen"], ["team-x", "adfgen"], ["adfgen", "adfgen:ignore=SE003"]])
def test_prune_deletes_what_carries_the_exact_element(annotations):
    assert _action(annotations) == DELETE
    assert _action(annotations, prune=False) == ORPHAN


def test_a_string_annotation_is_not_taken_over_silently():
    """An update of a live resource whose annotation is a string naming adfgen still counts as a take-over."""
    live = LiveResource("pipeline", "pl_x", {"activities": [], "annotations": "adfgen"})
    source = Resource("pipeline", "pl_x", {"activities": [{"name": "w", "type": "Wait"}], "annotations": ["adfgen"]})
    (item,) = compute_plan([source], [live]).items
    assert item.takes_over


_annotation = st.one_of(st.sampled_from(["adfgen", "Adfgen", "adfgen ", "xadfgen", "adfgen:ignore=RF011"]),
                        json_values)


@settings(max_examples=200, deadline=None)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=6),
       annotations=st.lists(st.one_of(_annotation, st.lists(_annotation, max_size=4)), min_size=6, max_size=6))
def test_prune_deletes_exactly_the_owned(kinds, annotations):
    live = [LiveResource(kind, f"r{i}", {"annotations": value}) for i, (kind, value) in
            enumerate(zip(kinds, annotations))]
    plan = compute_plan([], live, prune=True)
    for item in plan.items:
        value = next(r.properties["annotations"] for r in live if r.name == item.name)
        owned = type(value) is list and any(type(v) is str and v == "adfgen" for v in value)
        assert (item.action == DELETE) == owned and (item.action == UNMANAGED) == (not owned)


# --- ownership recorded in the source (issue 14, Deploy item 2): --adopt and --source make resources managed ---

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from adfgen.cli import main  # noqa: E402
from tests.peers.fixtures import FACTORY, RG, SUB, TOKEN, cli_arm_peer, sample_resources  # noqa: E402

EXTRA = {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 2}}]}
HANDMADE = {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 9}}],
            "annotations": ["team-x"]}


@pytest.fixture
def arm(monkeypatch):
    with cli_arm_peer(monkeypatch, FACTORY) as server:
        yield server


def _folder(tmp_path: Path) -> Path:
    """A hand-made Git folder as ADF Studio writes it (4-space JSON, no adfgen annotation), plus pl_extra."""
    folder = tmp_path / "adf"
    docs = [(r.kind, r.name, {k: v for k, v in r.properties.items() if k != "annotations"}) for r in sample_resources()]
    docs.append(("pipeline", "pl_extra", {**EXTRA, "annotations": ["team-x"]}))
    for kind, name, properties in docs:
        path = folder / kind / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"name": name, "properties": properties}, indent=4) + "\n")
    return folder


def _deploy(arm, capsys, folder: Path, *extra: str) -> tuple[int, dict, str]:
    code = main(["deploy", *_target(arm, folder), "--skip-grants", "-o", "json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and TOKEN not in out + err
    return code, (json.loads(out) if out.strip() else {}), err


def _target(arm, folder: Path) -> list[str]:
    return ["--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", FACTORY,
            "--ca-bundle", arm.ca_path]


def _actions(doc: dict) -> dict[str, str]:
    factory = doc["factories"][0]
    return {r["name"]: r["action"] for r in factory.get("plan", factory)["resources"]}  # deploy / --dry-run


def test_adopt_records_ownership_in_the_source_and_prune_then_deletes_only_what_adfgen_owns(arm, tmp_path, capsys):
    arm.put_resource(FACTORY, "pipelines", "pl_extra", HANDMADE)  # someone's hand-made pipeline, same name
    arm.put_resource(FACTORY, "pipelines", "pl_handmade", HANDMADE)  # not in the folder at all
    folder = _folder(tmp_path)

    code, _, err = _deploy(arm, capsys, folder)
    assert code == 1 and "pipeline pl_extra" in err and "--adopt" in err
    assert arm.count("PUT") == 0 and "adfgen" not in (folder / "pipeline" / "pl_extra.json").read_text()

    code, doc, err = _deploy(arm, capsys, folder, "--adopt")
    assert code == 0, err
    live = arm.resource(FACTORY, "pipelines", "pl_extra")["properties"]
    assert live["annotations"] == ["team-x", "adfgen"] and live["activities"] == EXTRA["activities"]
    for r in sample_resources():  # created ones are managed too
        assert carries_managed_annotation(arm.resource(FACTORY, r.kind.lower() + "s", r.name)["properties"])
    written = json.loads((folder / "pipeline" / "pl_extra.json").read_text())
    assert written["properties"]["annotations"] == ["team-x", "adfgen"]
    assert (folder / "pipeline" / "pl_extra.json").read_text().startswith('{\n    "name"')  # kept as Studio wrote it
    assert "recorded adfgen ownership" in err and "pipeline/pl_extra.json" in err

    files = {p: p.read_text() for p in folder.rglob("*.json")}
    arm.clear_log()
    code, doc, err = _deploy(arm, capsys, folder)  # a re-run converges: nothing to send, nothing to write
    assert code == 0, err
    assert set(_actions(doc).values()) == {"unchanged", "unmanaged"} and _actions(doc)["pl_handmade"] == "unmanaged"
    assert arm.count("PUT") == 0 and {p: p.read_text() for p in files} == files
    assert "recorded adfgen ownership" not in err

    (folder / "pipeline" / "pl_extra.json").unlink()
    code, doc, err = _deploy(arm, capsys, folder, "--prune")
    assert code == 0, err
    assert _actions(doc)["pl_extra"] == "delete" and _actions(doc)["pl_handmade"] == "unmanaged"
    assert "pl_extra" not in arm.names(FACTORY, "pipelines") and "pl_handmade" in arm.names(FACTORY, "pipelines")


def test_ownership_survives_a_studio_publish_of_the_committed_files_and_not_of_stale_ones(arm, tmp_path, capsys):
    folder = _folder(tmp_path)
    stale = json.loads((folder / "pipeline" / "pl_extra.json").read_text())  # the file before deploy annotated it
    assert _deploy(arm, capsys, folder)[0] == 0
    committed = json.loads((folder / "pipeline" / "pl_extra.json").read_text())

    # ADF Studio publishes the branch's JSON as it is: the annotated file keeps the resource managed ...
    arm.put_resource(FACTORY, "pipelines", "pl_extra", committed["properties"])
    (folder / "pipeline" / "pl_extra.json").unlink()
    code, doc, _ = _deploy(arm, capsys, folder, "--prune", "--dry-run")
    assert code == 3 and _actions(doc)["pl_extra"] == "delete"

    # ... a publish of the file without it (the change never committed) ends adfgen's ownership: never pruned
    arm.put_resource(FACTORY, "pipelines", "pl_extra", stale["properties"])
    code, doc, _ = _deploy(arm, capsys, folder, "--prune", "--dry-run")
    assert code == 0 and _actions(doc)["pl_extra"] == "unmanaged"


def test_plan_and_dry_run_never_write_the_source(arm, tmp_path, capsys):
    folder = _folder(tmp_path)
    files = {p: p.read_text() for p in folder.rglob("*.json")}
    code, doc, _ = _deploy(arm, capsys, folder, "--dry-run")
    assert code == 3 and set(_actions(doc).values()) == {"create"}
    assert main(["plan", *_target(arm, folder)]) == 3
    assert {p: p.read_text() for p in files} == files and arm.count("PUT") == 0


@settings(max_examples=150, deadline=None)
@given(properties=st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=4),
       annotations=st.one_of(st.none(), _annotation, st.lists(_annotation, max_size=4)),
       indent=st.sampled_from([None, 2, 4, "\t"]), crlf=st.booleans(), ascii_only=st.booleans())
def test_recording_ownership_in_a_file_changes_only_its_annotations_and_is_idempotent(tmp_path_factory, properties,
                                                                                     annotations, indent, crlf,
                                                                                     ascii_only):
    from adfgen.azure.diff import Plan, PlanItem
    from adfgen.azure.ownership import claim, record_in_source
    from adfgen.core.resources import load_git_folder

    folder = tmp_path_factory.mktemp("src")
    body = {**properties, **({} if annotations is None else {"annotations": annotations})}
    text = json.dumps({"name": "pl x", "properties": body}, indent=indent, ensure_ascii=ascii_only)
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate can only be written escaped
        assume(False)
    (folder / "pipeline").mkdir()
    (folder / "pipeline" / "pl x.json").write_bytes((text.replace("\n", "\r\n") if crlf else text).encode())
    (source,) = load_git_folder(folder)
    plan = Plan([PlanItem("pipeline", "pl x", "create", True, source=source)])

    written, failures = record_in_source(folder, plan)

    (after,) = load_git_folder(folder)
    assert not failures and written == ([] if carries_managed_annotation(body) else ["pipeline/pl x.json"])
    assert after.properties == claim([source])[0].properties  # the file says what deploy sends
    assert {k: v for k, v in after.properties.items() if k != "annotations"} == \
        {k: v for k, v in body.items() if k != "annotations"}
    raw = (folder / "pipeline" / "pl x.json").read_bytes().decode()
    assert ("\r\n" in raw) == (crlf and "\n" in text) and raw.isascii() == text.isascii()
    assert record_in_source(folder, plan) == ([], [])  # a second run writes nothing
