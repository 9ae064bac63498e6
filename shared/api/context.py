"""What the route modules share: the resolver, the services and the route registrar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from shared.api.errors import MethodTable
from shared.bootstrap import Services


class Routes:
    """Registers routes on the resolver and remembers their methods (for 405 answers)."""

    def __init__(self, app: APIGatewayHttpResolver, methods: MethodTable) -> None:
        self._app = app
        self._methods = methods

    def _route(self, method: str, path: str, **kwargs: Any) -> Callable[[Any], Any]:
        self._methods.add(path, method)
        if kwargs.get("responses"):
            # Powertools documents only the given responses then: add the success answer
            # (its schema comes from the return annotation).
            success = {"description": "Success"}
            kwargs["responses"] = {kwargs.get("status_code", 200): success, **kwargs["responses"]}
        return self._app.route(path, method, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Callable[[Any], Any]:
        return self._route("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[Any], Any]:
        return self._route("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[Any], Any]:
        return self._route("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[Any], Any]:
        return self._route("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[Any], Any]:
        return self._route("DELETE", path, **kwargs)


@dataclass
class ApiContext:
    app: APIGatewayHttpResolver
    routes: Routes
    services: Services
    now: Callable[[], datetime]
    openapi: Callable[[], dict[str, Any]]
    # Changes a route module makes to the generated OpenAPI document (what Powertools cannot
    # say from the annotations, e.g. a body documented by the official OCPP schemas).
    document_hooks: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)

    def caller(self) -> str | None:
        """Who is calling: the operator (for `requestedBy` on commands) or the driver."""
        value = self.app.context.get("caller")
        return str(value) if value else None

    def operator(self) -> str | None:
        return self.caller()

    def driver(self) -> str:
        """The calling driver's id; only on the driver API, where every route has one."""
        driver = self.caller()
        if driver is None:
            raise RuntimeError("no driver on this request: a public route asked for one")
        return driver


def path_value(raw: str) -> str:
    """A path parameter as sent: HTTP API hands them over still percent-encoded."""
    return unquote(raw)
