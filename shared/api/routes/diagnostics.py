"""Diagnostics and log uploads of a charger (docs/adr/0045-firmware-campaigns.md): request
one (GetDiagnostics / GetLog with a `/files/<token>` location), list them with their files."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.firmware_images import (
    DiagnosticsRequestBody,
    RequestedUpload,
    UploadList,
    UploadView,
)
from shared.api.routes.responses import errors
from shared.commands.engine import MAX_SYNC_WAIT_S
from shared.firmware.uploads import DiagnosticsUploads, UploadRequest
from shared.timeutil import iso_utc

TAGS = ["chargers"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    def uploads() -> DiagnosticsUploads:
        if ctx.services.uploads is None:
            raise NotFound("uploads are not kept here")
        return ctx.services.uploads

    @routes.post(
        "/api/chargers/<chargePointId>/diagnostics",
        tags=TAGS,
        summary="Ask a charger to upload its diagnostics or a log",
        description="Sends GetDiagnostics (OCPP 1.6) or GetLog (2.0.1; on 1.6 the security "
        "extension's, when `logType` is given) with an upload location "
        "`<HTTP API>/files/<token>`: the charger PUTs (or POSTs multipart) its file there, at "
        "most 6 MB, and it lands in the files bucket. Its status reports are recorded on the "
        "request; `GET` lists the requests with a download link. 200 with the charger's answer, "
        "202 while it has not answered yet.",
        responses=errors(404, 409, 503),
    )
    def request_diagnostics(
        chargePointId: str,
        body: DiagnosticsRequestBody,
        wait: Annotated[bool, Query(description="Wait (at most 20 s) for the answer")] = True,
    ) -> Response[RequestedUpload]:
        charge_point_id = path_value(chargePointId)
        job, sent = uploads().request(
            charge_point_id,
            UploadRequest(
                log_type=body.logType,
                start_time=iso_utc(body.startTime) if body.startTime else None,
                stop_time=iso_utc(body.stopTime) if body.stopTime else None,
                retries=body.retries,
                retry_interval_s=body.retryInterval,
            ),
            requested_by=ctx.operator(),
        )
        final = sent
        if wait:
            engine = ctx.services.engine
            final = engine.wait(charge_point_id, sent.message_id, MAX_SYNC_WAIT_S) or sent
        answered = final.status == "answered"
        return Response(
            status_code=200 if answered else 202,
            content_type=content_types.APPLICATION_JSON,
            body=RequestedUpload(
                requestId=job.request_id,
                commandId=final.message_id,
                action="GetLog" if final.action == "GetLog" else "GetDiagnostics",
                commandStatus=final.status,
                result=final.result,
            ),
        )

    @routes.get(
        "/api/chargers/<chargePointId>/diagnostics",
        tags=TAGS,
        summary="A charger's diagnostics and log uploads, newest first",
        description="Each request with the charger's status reports and, once uploaded, the "
        "stored file's size and a presigned download link valid 5 minutes.",
        responses=errors(404),
    )
    def list_diagnostics(chargePointId: str) -> UploadList:
        listed = uploads().list(path_value(chargePointId))
        return UploadList(uploads=[UploadView.of(item) for item in listed])
