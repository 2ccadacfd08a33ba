"""Activity names come from one place (adfgen/build/activity_names.py): the templates name activities with them and
the contexts' expressions refer to them, so renaming one renames both."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

from adfgen.build import activity_names

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((REPO / "templates" / "pipeline").glob("*.jinja"))
REFERENCE = re.compile(r"activity\('((?:[^']|'')*)'\)")  # activity('<name>') in an expression


def test_every_name_is_read_by_a_template_or_the_build():
    """No stale names: each one in activity_names.__all__ is read as `act.<NAME>` somewhere."""
    readers = [path.read_text(encoding="utf-8") for path in TEMPLATES]
    readers += [path.read_text(encoding="utf-8") for path in (REPO / "adfgen" / "build").rglob("*.py")]
    unread = [name for name in activity_names.__all__
              if not any(re.search(rf"\bact\.{name}\b", text) for text in readers)]
    assert unread == []


def test_templates_and_contexts_write_no_activity_name_themselves():
    """Every activity's name in a pipeline template, and every `activity('...')` in the build's code, comes from
    activity_names (the pipeline's own name is the context's `name`)."""
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        names = re.findall(r'^\s*"name": (\S.*?),?$', text, re.MULTILINE)
        literal = [n for n in names if not re.match(r"\{\{ (act\.|name |activity |run\.activity |case\.activity )", n)]
        assert literal == [], path.name
        assert "activity('" not in text, path.name
    for path in (REPO / "adfgen" / "build").rglob("*.py"):
        assert "activity('" not in path.read_text(encoding="utf-8").replace(
            "e.g. `activity('Copy Chunk').output`", ""), path


def _activities(activities: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every activity, inner ones (If, Until, ForEach, Switch) included."""
    for activity in activities:
        yield activity
        props = activity.get("typeProperties", {})
        for key in ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities"):
            yield from _activities(props.get(key) or [])
        for case in props.get("cases") or []:
            yield from _activities(case["activities"])


PROBE = """
import json, sys
from pathlib import Path
from adfgen.build import build_factories
(build,) = build_factories([Path(sys.argv[1])])
print(json.dumps([r.properties for r in build.resources if r.kind == "pipeline"]))
"""


def test_renaming_one_name_renames_the_activity_and_every_reference(tmp_path):
    """In a copy of the package, one edited constant renames the activity and every dependsOn and activity('...')
    that refers to it; every reference of every pipeline still names an activity of that pipeline."""
    shutil.copytree(REPO / "adfgen", tmp_path / "adfgen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    names = tmp_path / "adfgen" / "build" / "activity_names.py"
    renamed = {"COPY_CHUNK": "Copy Page Chunk", "READ_WATERMARK": "Read State", "REQUEST_TOKEN": "Post Token",
               "LIST_PARENT_FILES": "List Parent's Files"}  # an apostrophe: quoted in expressions
    text = names.read_text(encoding="utf-8")
    old = {key: getattr(activity_names, key) for key in renamed}
    for key, new in renamed.items():
        text = text.replace(f'{key} = "{old[key]}"', f'{key} = "{new}"')
    names.write_text(text, encoding="utf-8")
    found = subprocess.run([sys.executable, "-c", PROBE, str(REPO / "specs" / "xero.yaml")], capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)}, cwd=tmp_path, timeout=120)
    assert found.returncode == 0, found.stderr[-2000:]
    pipelines = json.loads(found.stdout)
    everything = json.dumps(pipelines)
    for key, new in renamed.items():
        assert json.dumps(new)[1:-1] in everything, key
        assert old[key] not in everything, key
    for pipeline in pipelines:
        activities = list(_activities(pipeline["activities"]))
        defined = {a["name"] for a in activities}
        for activity in activities:
            assert {d["activity"] for d in activity.get("dependsOn", [])} <= defined
        referenced = {m.replace("''", "'") for m in REFERENCE.findall(json.dumps(activities, ensure_ascii=False))}
        assert referenced <= defined, referenced - defined
