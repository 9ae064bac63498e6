"""A site's grid sources opened from its stored settings (docs/adr/0052): the OpenADR 3 VEN
(shared/adapters/openadr.py) and the ENTSO-E day-ahead feed (shared/adapters/entsoe.py), with
their credentials read from Secrets Manager by the names the settings hold.

Secrets are read once per container and name (`CachedSecret`); the names are under
`csms/grid/` (the functions may read nothing else). A site's opened sources are kept for the
container's life while its settings stay the same: the VEN keeps its access token (for half
its lifetime) and the programmes it read, instead of asking the VTN for them on every poll.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from shared.adapters.secrets import CachedSecret
from shared.ports.grid_signal_store import SiteSources

CLIENT_SECRET_FIELD = "clientSecret"  # noqa: S105 (a field's name)
SECURITY_TOKEN_FIELD = "securityToken"  # noqa: S105 (a field's name)


class SecretSourceOpener:
    def __init__(
        self,
        secrets_client: Any,
        clock: Callable[[], datetime],
        *,
        entsoe_endpoint: str | None = None,
    ) -> None:
        self._client = secrets_client
        self._clock = clock
        self._entsoe_endpoint = entsoe_endpoint
        self._secrets: dict[str, CachedSecret] = {}
        self._opened: dict[str, tuple[str, SiteSources]] = {}

    def _field(self, name: str, field: str) -> str:
        secret = self._secrets.get(name)
        if secret is None:
            secret = self._secrets[name] = CachedSecret(self._client, name)
        return secret.field(field)

    def __call__(self, site_id: str, document: Mapping[str, Any]) -> SiteSources:
        settings = json.dumps(document, sort_keys=True, default=str)
        kept = self._opened.get(site_id)
        if kept is not None and kept[0] == settings:
            return kept[1]
        opened = self._open(site_id, document)
        self._opened[site_id] = (settings, opened)
        return opened

    def _open(self, site_id: str, document: Mapping[str, Any]) -> SiteSources:
        # Imported here: every function builds this opener, only the grid functions open.
        from shared.adapters.entsoe import EntsoeDayAhead
        from shared.adapters.openadr import OpenAdrVen

        vtn = None
        openadr = document.get("openadr")
        if isinstance(openadr, Mapping):
            vtn = OpenAdrVen(
                str(openadr["vtnUrl"]),
                str(openadr["clientId"]),
                self._field(str(openadr["clientSecretName"]), CLIENT_SECRET_FIELD),
                token_url=openadr.get("tokenUrl"),
                scopes=tuple(openadr.get("scopes") or ()),
                program_ids=tuple(openadr.get("programIds") or ()),
                ven_name=f"csms-{site_id}",
                clock=self._clock,
            )
        prices, zone = None, None
        entsoe = document.get("entsoe")
        if isinstance(entsoe, Mapping):
            token = self._field(str(entsoe["tokenSecretName"]), SECURITY_TOKEN_FIELD)
            prices = (
                EntsoeDayAhead(token, endpoint=self._entsoe_endpoint, clock=self._clock)
                if self._entsoe_endpoint
                else EntsoeDayAhead(token, clock=self._clock)
            )
            zone = str(entsoe["biddingZone"])
        return SiteSources(vtn=vtn, prices=prices, zone=zone)
