"""Firmware images (docs/adr/0045-firmware-campaigns.md): declare, upload through a presigned
PUT, verify, list."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext
from shared.api.errors import ApiError
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.models.firmware_images import (
    IMAGE_ID_PATTERN,
    CreatedFirmwareImage,
    FirmwareImageBody,
    FirmwareImagePage,
    FirmwareImageView,
)
from shared.api.routes.responses import errors
from shared.firmware.images import UPLOAD_URL_S, ChecksumMismatch, FirmwareImages, ImageDeclaration

TAGS = ["firmware"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    def images() -> FirmwareImages:
        if ctx.services.firmware_images is None:
            raise NotFound("firmware images are not kept here")
        return ctx.services.firmware_images

    @routes.post(
        "/api/firmware/images",
        status_code=201,
        tags=TAGS,
        summary="Declare a firmware image and get its upload URL",
        description="Records the image (version, file name, SHA-256, size, vendor/model and, "
        "for signed updates, the signing certificate and signature together) as "
        "`awaiting_upload`, and answers a presigned S3 PUT valid 15 minutes. Upload the file "
        "there, then `POST .../verify`: the image becomes `available` once the stored file's "
        "size and SHA-256 match.",
        responses=errors(400),
    )
    def create_image(body: FirmwareImageBody) -> Response[CreatedFirmwareImage]:
        image, url = images().create(
            ImageDeclaration(
                version=body.version,
                file_name=body.fileName,
                sha256=body.sha256,
                size_bytes=body.sizeBytes,
                vendor=body.vendor,
                model=body.model,
                signing_certificate=body.signingCertificate,
                signature=body.signature,
            ),
            created_by=ctx.operator(),
        )
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=CreatedFirmwareImage(
                image=FirmwareImageView.of(image),
                uploadUrl=url,
                uploadExpiresInSeconds=UPLOAD_URL_S,
            ),
            headers={"Location": f"/api/firmware/images/{image.image_id}"},
        )

    @routes.get("/api/firmware/images", tags=TAGS, summary="Firmware images, newest first (paged)")
    def list_images(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> FirmwareImagePage:
        page = images().list(limit, cursor)
        return FirmwareImagePage(
            items=[FirmwareImageView.of(image) for image in page.items],
            nextCursor=page.next_cursor,
        )

    @routes.get(
        "/api/firmware/images/<imageId>",
        tags=TAGS,
        summary="A firmware image",
        description="An image awaiting its upload whose file has arrived is verified on the "
        "way (as `POST .../verify` would, but a mismatch leaves it as it is).",
        responses=errors(404),
    )
    def get_image(imageId: Annotated[str, Path(pattern=IMAGE_ID_PATTERN)]) -> FirmwareImageView:
        return FirmwareImageView.of(images().read(imageId))

    @routes.post(
        "/api/firmware/images/<imageId>/verify",
        tags=TAGS,
        summary="Check the uploaded file and make the image available",
        description="Compares the stored file with the declaration: its size, and its SHA-256 "
        "(S3's full-object checksum when the upload sent `x-amz-checksum-sha256`, else the "
        "file read and hashed). 404 while no file is stored; 409 with the declared and stored "
        "values when they differ (the image stays `awaiting_upload`: upload again). An "
        "available image is answered as it is.",
        responses=errors(404, 409),
    )
    def verify_image(imageId: Annotated[str, Path(pattern=IMAGE_ID_PATTERN)]) -> FirmwareImageView:
        try:
            return FirmwareImageView.of(images().verify(imageId))
        except ChecksumMismatch as exc:
            raise ApiError(
                409,
                "ChecksumMismatch",
                str(exc),
                {"field": exc.what, "declared": exc.declared, "stored": exc.stored},
            ) from None
