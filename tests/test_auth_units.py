"""Small parts of `adfgen auth` that need no peer: identity-name matching, redirect URIs, status thresholds, and the
factory refresh path's polling (with a stub in place of azure-mgmt-datafactory: the ARM peer has no createRun)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from adfgen.oauth import refresh
from adfgen.oauth.consent import check_redirect, redirect_uri_for
from adfgen.oauth.errors import AuthError
from adfgen.oauth.identity import _match
from adfgen.oauth.status import warn_within


@pytest.mark.parametrize("secret, fields, expected", [
    ("xero-tenant-id", {"id": "https://login.example/id/1"}, None),  # a bare `id` is not a tenant id
    ("xero-tenant-id", {"tenantId": "t-1"}, "t-1"),
    ("qbo-realm-id", {"realmId": "9130"}, "9130"),
    ("sf-instance-url", {"instance_url": "https://x.my.salesforce.com", "id": "z"}, "https://x.my.salesforce.com"),
    ("zoho-api-domain", {"api_domain": "https://www.zohoapis.eu"}, "https://www.zohoapis.eu"),
    ("shop-domain", {"api_domain": "https://x"}, None),
])
def test_identity_fields_match_the_secret_names_last_words(secret, fields, expected):
    assert _match(secret, fields) == expected


def test_redirect_uri_from_port_or_declared():
    assert redirect_uri_for(None, None) == "http://localhost:8765/callback"
    assert redirect_uri_for(None, 9000) == "http://localhost:9000/callback"
    assert redirect_uri_for("http://127.0.0.1:7000/cb", None) == "http://127.0.0.1:7000/cb"
    assert redirect_uri_for("http://127.0.0.1:7000/cb", 7100) == "http://127.0.0.1:7100/cb"


def test_a_redirect_without_a_code_is_refused():
    with pytest.raises(AuthError, match="no authorization code"):
        check_redirect({"state": "s"}, "s", None, "http://localhost:1/callback")


def test_warning_threshold_is_two_keep_alive_periods_or_a_quarter_of_the_lifetime():
    assert warn_within(60 * 86400, 7 * 86400) == 15 * 86400
    assert warn_within(60 * 86400, 10 * 86400) == 20 * 86400
    assert warn_within(100 * 86400, None) == 25 * 86400


class StubRuns:
    """Stands in for azure-mgmt-datafactory's pipelines/pipeline_runs: queued, in progress, then `final`."""

    def __init__(self, final: str, message: str = ""):
        self.statuses = ["Queued", "InProgress", final]
        self.message = message
        self.started: list[tuple] = []

    def create_run(self, group, factory, pipeline):
        self.started.append((group, factory, pipeline))
        return SimpleNamespace(run_id="run-1")

    def get(self, group, factory, run_id):
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return SimpleNamespace(status=status, message=self.message if status == "Failed" else "")


def _target():
    from adfgen.build import default_spec_paths
    from adfgen.oauth.target import load_target

    return load_target("xero", "prod", default_spec_paths())


def test_factory_refresh_starts_the_refresh_pipeline_and_waits():
    runs = StubRuns("Succeeded")
    clients = SimpleNamespace(datafactory=SimpleNamespace(pipelines=runs, pipeline_runs=runs))
    result = refresh.via_factory(_target(), clients, "rg-xero-prod", timeout=10, poll=0, sleep=lambda s: None)
    assert runs.started == [("rg-xero-prod", "adf-xero-prod", "pl_xero_refresh")]
    assert (result.how, result.run_id, result.status) == ("factory", "run-1", "Succeeded")


def test_factory_refresh_reports_the_pipelines_failure_message():
    runs = StubRuns("Failed", "The xero token endpoint answered without access_token; error: invalid_grant")
    clients = SimpleNamespace(datafactory=SimpleNamespace(pipelines=runs, pipeline_runs=runs))
    with pytest.raises(AuthError, match="run-1 failed: The xero token endpoint .*invalid_grant"):
        refresh.via_factory(_target(), clients, "rg-xero-prod", timeout=10, poll=0, sleep=lambda s: None)
