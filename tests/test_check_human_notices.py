"""`adfgen check --output human` without the schema: the summary on stdout says the check failed, not only stderr."""

from __future__ import annotations

import pytest

from adfgen.cli import main
from tests.check_support import offline_without_schema

@pytest.fixture()
def clean_folder_offline(tmp_path, monkeypatch):
    """A clean factory folder, an empty user cache and official URLs that refuse connections."""
    with offline_without_schema(tmp_path, monkeypatch) as folder:
        yield folder


def test_a_saved_human_report_does_not_read_as_a_pass(clean_folder_offline, capsys):
    code = main(["check", str(clean_folder_offline)])
    out, err = capsys.readouterr()
    summary = out.strip().splitlines()[-1]
    assert code == 1 and "no ADF schema" in err
    assert summary.startswith("0 errors, 0 warnings") and "failed: no ADF schema" in summary


def test_with_no_schema_the_summary_is_the_plain_count(clean_folder_offline, capsys):
    assert main(["check", str(clean_folder_offline), "--no-schema"]) == 0
    assert "failed" not in capsys.readouterr().out
