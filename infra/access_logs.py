"""API Gateway (v2) access logs: one JSON line per request or WebSocket event."""

from __future__ import annotations

import json
from collections.abc import Mapping

import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_logs as logs


def json_format(fields: Mapping[str, str]) -> str:
    """Field name -> $context variable, as the one-line JSON API Gateway writes."""
    return json.dumps(dict(fields), separators=(",", ":"))


@jsii.implements(apigwv2.IAccessLogSettings)
class JsonAccessLogs:
    def __init__(self, log_group: logs.ILogGroup, fields: Mapping[str, str]) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)
        self._format = json_format(fields)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(self._format)
