"""A QuickBooks-like world for the placeholder e2e (issue 12): a spec whose requests page with `{position}` inside
the `query` value (STARTPOSITION), read `{realmId}` from Key Vault into the path, filter on `{watermark}` in a WHERE
clause and take the host from a `params` constant; served by the catalog's fake QuickBooks API
(tests/peers/quickbooks_api.py), the Authlib OAuth peer and a local vault file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trustme
import yaml

from adfgen.local.clock import Clock
from tests.peers.oauth_server import OAuthServer
from tests.peers.quickbooks_api import QuickBooksApi, oauth_client

PAGE = 50  # small pages, so that a few hundred records take several pages and chunks
CLIENT_ID, CLIENT_SECRET, REALM = "qbo-e2e-client", "qbo-e2e-client-secret-value", "9130350000000042"
SPEC = f"""
version: 1
factory:
  name: adf-qbo-e2e
  key_vault_url: https://kv-qbo-e2e.vault.azure.net/
  sinks: {{lake: {{type: adls_gen2, account_url: "https://stqboe2e.dfs.core.windows.net/", container: raw}}}}
apis:
  - name: qbo
    base_url: https://{{host}}/v3
    params: {{host: quickbooks.api.intuit.com}}
    auth:
      flow: authorization_code
      authorize_url: https://appcenter.intuit.com/connect/oauth2
      token_url: https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer
      client_auth: basic
      refresh_token_reuse_grace: 0
      access_token_lifetime: 1h
    secrets:
      client_id: qbo-client-id
      client_secret: qbo-client-secret
      refresh_token: qbo-refresh-token
      access_token: qbo-access-token
      identity: [{{name: realmId, secret: qbo-realm-id}}]
    headers: {{Accept: application/json}}
    rate_limit: {{requests_per_minute: 500, concurrent_requests: 2}}
    request_timeout: 30s
    pagination: {{kind: position, start: 1, page_size: {PAGE}}}
    endpoints:
      - name: invoices
        path: company/{{realmId}}/query
        records_path: $.QueryResponse.Invoice
        query:
          query: "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '{{watermark}}' STARTPOSITION {{position}} MAXRESULTS {PAGE}"
          minorversion: "75"
        incremental: {{format: "yyyy-MM-ddTHH:mm:ssZ"}}
      - name: customers
        path: company/{{realmId}}/query
        records_path: $.QueryResponse.Customer
        query: {{query: "SELECT * FROM Customer STARTPOSITION {{position}} MAXRESULTS {PAGE}", minorversion: "75"}}
"""


class QueryLanguageWorld:
    """The fake QuickBooks API, its OAuth server and the vault file one e2e module shares."""

    def __init__(self, tmp: Path, clock: Clock, counts: dict[str, int]):
        self.ca = trustme.CA()
        self.ca_path = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))
        self.clock = clock
        self.oauth = OAuthServer(self.ca, grace_seconds=0, access_ttl=3600)
        oauth_client(self.oauth, CLIENT_ID, CLIENT_SECRET)
        self.api = QuickBooksApi(self.ca, self.oauth, clock, counts=counts, realm_id=REALM)
        self.vault = tmp / "secrets.yaml"
        self.vault.write_text(yaml.safe_dump({
            "qbo-client-id": CLIENT_ID, "qbo-client-secret": CLIENT_SECRET, "qbo-realm-id": REALM,
            "qbo-refresh-token": self.oauth.seed_refresh_token(CLIENT_ID)}))

    def redirects(self) -> list[str]:
        """`--redirect` arguments sending the spec's hosts to the peers."""
        token_base = self.oauth.token_url.rsplit("/", 1)[0]
        return ["--redirect", f"https://quickbooks.api.intuit.com={self.api.url}",
                "--redirect", f"https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer={token_base}/token"]

    def secret_values(self) -> set[str]:
        """Every value nothing may print: the client secret and every token issued."""
        values = {CLIENT_SECRET}
        for token in self.oauth.tokens:
            values |= {token.access_token, token.refresh_token or ""}
        return values - {""}

    def requests(self, entity: str) -> list[dict[str, Any]]:
        """The fake's log of query requests for one entity, in order."""
        return [r for r in self.api.served.log if f"FROM%20{entity}%20" in r["query"]]

    def stop(self) -> None:
        self.api.stop()
        self.oauth.stop()
