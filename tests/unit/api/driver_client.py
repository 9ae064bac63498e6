"""Calls the driver API in-process as a given driver: the claims API Gateway's JWT authorizer
would have verified (`sub`, `cognito:groups` as "[drivers]")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.api.driver import DriverApi
from shared.bootstrap import Services
from tests.unit.api.apiclient import ApiClient, Reply


def driver_claims(driver_id: str, groups: str = "[drivers]") -> dict[str, str]:
    return {
        "sub": driver_id,
        "username": driver_id,
        "cognito:groups": groups,
        "client_id": "driver-app",
        "token_use": "access",
    }


@dataclass
class DriverClient:
    """One driver's view of the API."""

    api: DriverApi
    driver_id: str

    def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        client = ApiClient(self.api, headers={})
        kwargs.setdefault("claims", driver_claims(self.driver_id))
        return client.call(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("POST", path, body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("PUT", path, body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.call("DELETE", path, **kwargs)


def drivers(services: Services, *driver_ids: str) -> list[DriverClient]:
    api = DriverApi(services)
    return [DriverClient(api, driver_id) for driver_id in driver_ids]
