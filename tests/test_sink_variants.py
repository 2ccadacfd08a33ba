"""Sink types as registered units: the registry drives the model, the build, the schema and the README's table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar, Literal

import pytest
import yaml

from adfgen.build import build_factories
from adfgen.build.writer import ARM_TEMPLATE
from adfgen.spec import load_spec_text, spec_json_schema
from adfgen.spec.variants import docs
from adfgen.spec.variants.registry import Registry, summary
from adfgen.spec.variants.sinks import SINKS, FileSinkUnit

ROOT = Path(__file__).resolve().parent.parent
# one valid instance per registered type; a new sink type adds its example here (the test below insists)
EXAMPLES = {
    "adls_gen2": {"type": "adls_gen2", "account_url": "https://stx.dfs.core.windows.net/", "container": "raw"},
    "blob": {"type": "blob", "account_url": "https://stx.blob.core.windows.net/", "container": "raw",
             "format": "parquet"},
    "azure_sql": {"type": "azure_sql", "server": "sql-x.database.windows.net", "database": "db"},
}


def spec_with(sink: dict) -> dict:
    """A one-API spec landing in `sink`."""
    return {
        "factory": {"name": "adf-sinks", "key_vault_url": "https://kv-x.vault.azure.net/", "sinks": {"store": sink}},
        "apis": [{"name": "api", "base_url": "https://api.example.com",
                  "auth": {"flow": "authorization_code", "authorize_url": "https://login.example.com/a",
                           "token_url": "https://login.example.com/t"},
                  "secrets": {"client_id": "c-id", "client_secret": "c-secret", "refresh_token": "rt",
                              "access_token": "at"},
                  "rate_limit": {"requests_per_minute": 60},
                  "endpoints": [{"name": "things", "path": "things", "records_path": "$.items"}]}],
    }


def build(tmp_path: Path, data: dict):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return build_factories([path])[0]


def test_every_registered_type_has_an_example():
    assert sorted(EXAMPLES) == SINKS.names()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_type_builds_its_linked_service_and_dataset_from_its_facts(name, tmp_path):
    """The linked service has the unit's ADF type, its environment values are ARM parameters, and the worker
    writes through the dataset of the unit's landing kind."""
    factory = build(tmp_path, spec_with(EXAMPLES[name]))
    unit = SINKS.get(name)
    sink = factory.config.sinks["store"]
    by_name = {(r.kind, r.name): r for r in factory.resources}
    ls = by_name[("linkedService", "ls_store")].properties
    assert ls["type"] == unit.linked_service_type
    for key, value in sink.linked_service_values().items():
        assert ls["typeProperties"][key] == value
    template = json.loads(factory.files[ARM_TEMPLATE])
    arm_ls = next(r for r in template["resources"] if r["name"].endswith("/ls_store')]"))
    for key, value in sink.linked_service_values().items():
        parameter = arm_ls["properties"]["typeProperties"][key]
        assert parameter.startswith("[parameters('") and template["parameters"][parameter[13:-3]]["defaultValue"] == value
    assert ("dataset", f"ds_store_{sink.dataset_kind}") in by_name
    worker = by_name[("pipeline", "pl_api_things")].properties
    assert f'"referenceName": "ds_store_{sink.dataset_kind}"' in json.dumps(worker), "it writes through that dataset"


def test_file_and_table_facts_are_one_definition():
    """`holds_files` is the one answer to "is this a file sink", and only file sinks have landing formats."""
    for name, unit in SINKS:
        assert unit.holds_files == issubclass(unit, FileSinkUnit)
        assert bool(unit.formats()) == unit.holds_files
        assert unit.type_name() == name


def test_an_unknown_type_names_every_registered_one():
    data = spec_with({"type": "s3", "bucket": "x"})
    spec, problems = load_spec_text(yaml.safe_dump(data), "s.yaml")
    assert spec is None
    assert [p.message for p in problems] == [f"unknown sink type 's3'; expected one of: {', '.join(SINKS.names())}"]


def test_a_format_the_type_does_not_support_is_refused():
    data = spec_with({**EXAMPLES["adls_gen2"], "format": "avro"})
    _, problems = load_spec_text(yaml.safe_dump(data), "s.yaml")
    assert [p.where for p in problems] == ["factory.sinks.store.format"]
    assert "'json' or 'parquet'" in problems[0].message


def test_a_table_field_on_a_file_sink_names_the_types_that_take_it():
    data = spec_with(EXAMPLES["blob"])
    data["apis"][0]["endpoints"][0]["table"] = "t"
    _, problems = load_spec_text(yaml.safe_dump(data), "s.yaml")
    assert [p.where + ": " + p.message for p in problems] == [
        "apis[0].endpoints[0].table: table applies to table sinks only (azure_sql); this endpoint's sink is blob, "
        "which holds files"]


def test_schema_offers_exactly_the_registered_types():
    sinks = spec_json_schema()["$defs"]["FactoryConfig"]["properties"]["sinks"]
    (choice,) = sinks["patternProperties"].values()
    assert sorted(choice["discriminator"]["mapping"]) == SINKS.names()


def test_readme_sink_table_is_the_generated_one():
    """scripts/regenerate-readme rewrites it; a changed unit without a regenerated README fails here."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.regenerate(text) == text
    for name, unit in SINKS:
        assert f"| `{name}` |" in text and summary(unit) in text


def test_regenerate_refuses_a_readme_without_markers():
    with pytest.raises(ValueError, match="generated:sinks"):
        docs.regenerate("# no markers\n")


def test_a_new_type_is_one_module_in_the_package(tmp_path, monkeypatch):
    """Dropping one module into a variant package registers it; its type must be spelled as it is registered."""
    package = tmp_path / "extra_sinks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "s3.py").write_text(
        "from typing import ClassVar, Literal\n"
        "from tests.test_sink_variants import EXTRA\n"
        "from adfgen.spec.variants.sinks import FileSinkUnit\n"
        "@EXTRA.register('s3')\n"
        "class S3(FileSinkUnit):\n"
        "    'Files in an S3 bucket.'\n"
        "    type: Literal['s3']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert EXTRA.names() == ["s3"]
    assert EXTRA.get("s3").holds_files


EXTRA: Registry = Registry("sink type", "extra_sinks")


def test_a_unit_whose_type_differs_from_its_name_is_refused():
    class Wrong(FileSinkUnit):
        """A unit registered under another name than its type."""

        linked_service_type: ClassVar[str] = "X"
        type: Literal["other"]

    registry: Registry = Registry("sink type", "adfgen.spec.variants.sinks")
    registry._loaded = True  # only the unit below
    registry.register("wrong")(Wrong)
    with pytest.raises(TypeError, match="Literal\\['wrong'\\]"):
        registry.discriminated_union("type")


NEW_SINK = '''"""A test-only sink type: Blob storage that takes Parquet only, through the blob linked service template."""

from typing import ClassVar, Literal

from adfgen.spec.variants.sinks import SINKS, FileSinkUnit, FileStore


@SINKS.register("archive_blob")
class ArchiveBlobSink(FileSinkUnit):
    """Parquet only, for an archive."""

    linked_service_type: ClassVar[str] = "AzureBlobStorage"
    store: ClassVar[FileStore] = FileStore(url_key="serviceEndpoint", container_key="container", host="blob")

    type: Literal["archive_blob"]
    format: Literal["parquet"] = "parquet"

    @property
    def linked_service_template(self) -> str:
        return "linkedService/blob.json.jinja"
'''

PROBE = '''
import json, sys
from adfgen.build import build_factories
from adfgen.spec import spec_json_schema
from adfgen.spec.variants.sinks import sink_table
(factory,) = build_factories(["spec.yaml"])
resources = {(r.kind, r.name): r.properties for r in factory.resources}
print(json.dumps({"ls": resources[("linkedService", "ls_store")]["type"],
                  "datasets": sorted(n for k, n in resources if k == "dataset"),
                  "schema": sorted(spec_json_schema()["$defs"]),
                  "table": sink_table()}))
'''


def test_adding_a_sink_type_is_one_new_module(tmp_path):
    """A copy of adfgen with one module added to adfgen/spec/variants/sinks/ builds a spec using the new type: the
    model, the schema, the build and the README table all pick it up, with no other file changed."""
    import shutil
    import subprocess
    import sys

    shutil.copytree(ROOT / "adfgen", tmp_path / "adfgen", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "templates").symlink_to(ROOT / "templates")
    (tmp_path / "adfgen" / "spec" / "variants" / "sinks" / "archive_blob.py").write_text(NEW_SINK)
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec_with(
        {"type": "archive_blob", "account_url": "https://starchive.blob.core.windows.net/", "container": "old"})))
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert found["ls"] == "AzureBlobStorage"
    assert "ds_store_parquet" in found["datasets"]
    assert "ArchiveBlobSink" in found["schema"]
    assert "| `archive_blob` | files: parquet |" in found["table"]
    assert "| `AzureBlobStorage` | Parquet only, for an archive. |" in found["table"]
