"""Literal-secret detection (SE006) on fabricated values, and placeholders that must not be reported."""

from __future__ import annotations

import base64

import pytest

from adfgen.check.rules.security_rules import is_placeholder, literal_secrets

FAKE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.c2lnbmF0dXJlLW5vdC1yZWFsLTEyMw"
FAKE_BASIC = base64.b64encode(b"someuser:not-a-real-pass").decode()


@pytest.mark.parametrize("text,what", [
    (FAKE_JWT, "JWT"),
    ("Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA", "Bearer"),
    (f"Basic {FAKE_BASIC}", "Basic"),
    ("grant_type=client_credentials&client_id=app&client_secret=Qz8xY2VmLTk0bW5v", "client_secret"),
    ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=ZmFrZWtleWZha2VrZXlmYWtla2V5==;", "AccountKey"),
    ("Server=tcp:x.database.windows.net;Database=d;User ID=u;Password=Fake-Passw0rd-123;", "Password"),
    ("https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&sig=ZmFrZXNpZ25hdHVyZWZha2VzaWc%3D", "SAS"),
])
def test_literal_secrets_are_found(text, what):
    found = literal_secrets(text)
    assert found and what.lower() in found[0][0].lower()


@pytest.mark.parametrize("text", [
    "@concat('Bearer ', activity('Get Token').output.value)",
    "Bearer @{activity('Get Token').output.access_token}",
    "Basic authentication is configured in the linked service",
    "grant_type=refresh_token&client_secret=@{activity('Get Secret').output.value}",
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=**********;",
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<your-account-key>;",
    "Integrated Security=False;Data Source=x;Initial Catalog=y;User ID=u",
    "https://acct.blob.core.windows.net/c/file.csv",
])
def test_expressions_and_placeholders_are_not_secrets(text):
    assert literal_secrets(text) == []


@pytest.mark.parametrize("value,expected", [
    ("**********", True), ("<secret>", True), ("{{clientSecret}}", True), ("@pipeline().parameters.S", True),
    ("[parameters('ls_password')]", True), ("", True), ("dummy-value", True),
    ("Qz8xY2VmLTk0bW5vcA", False),
])
def test_placeholders(value, expected):
    assert is_placeholder(value) is expected
