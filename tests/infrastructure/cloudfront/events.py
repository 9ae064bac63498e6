"""CloudFront Functions' viewer-request events, as CloudFront hands them to a function
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html)."""

from __future__ import annotations

from typing import Any

DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"


def viewer_request(
    uri: str, querystring: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A GET of `uri` with the given query string and headers (besides host)."""
    return {
        "version": "1.0",
        "context": {
            "distributionDomainName": DISTRIBUTION_DOMAIN,
            "distributionId": "EDFDVBD6EXAMPLE",
            "eventType": "viewer-request",
            "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
        },
        "viewer": {"ip": "198.51.100.11"},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": querystring or {},
            "headers": {
                "host": {"value": DISTRIBUTION_DOMAIN},
                **{name: {"value": value} for name, value in (headers or {}).items()},
            },
            "cookies": {},
        },
    }
