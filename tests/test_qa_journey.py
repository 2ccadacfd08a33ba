"""What a new user meets following the README (fresh-eyes QA): messages that name the value, the factory, the fix."""

from __future__ import annotations

import pytest

from adfgen.cli import main


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_blank_skeleton_built_as_written_shows_its_todo_values(project, capsys):
    """The skeleton names every secret TODO; that placeholder is no secret, so other fields' TODOs stay readable."""
    assert main(["init", "--blank", "myapi"]) == 0
    capsys.readouterr()
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "unknown auth flow 'TODO'; expected one of:" in err
    assert "<value " not in err


def test_a_real_secret_name_is_still_hidden_in_other_fields_messages(project, capsys):
    """The exemption is for the placeholder only: a secret name written into another field stays a fingerprint."""
    assert main(["init", "--blank", "myapi"]) == 0
    spec = project / "specs" / "myapi.yaml"
    text = spec.read_text().replace("client_secret: TODO", "client_secret: my-secret-name", 1)
    spec.write_text(text.replace("flow: TODO", "flow: my-secret-name", 1))
    capsys.readouterr()
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "unknown auth flow '<value " in err and "my-secret-name" not in err
