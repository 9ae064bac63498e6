"""Id tag routes."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from shared.api.context import ApiContext, path_value
from shared.api.models.common import DEFAULT_PAGE_SIZE, ID_TAG_PATTERN, MAX_PAGE_SIZE
from shared.api.models.id_tags import IdTagCreate, IdTagFields, IdTagPage, IdTagView
from shared.api.routes.responses import errors

TAGS = ["id tags"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    admin = ctx.services.id_tag_admin

    @routes.post(
        "/api/id-tags",
        status_code=201,
        tags=TAGS,
        summary="Create an id tag",
        responses=errors(409),
    )
    def create_id_tag(tag: IdTagCreate) -> Response[IdTagView]:
        record = admin.create(tag.record(tag.idTag))
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=IdTagView.of(record),
            headers={"Location": f"/api/id-tags/{record.id_tag}"},
        )

    @routes.get("/api/id-tags", tags=TAGS, summary="List id tags (paged)")
    def list_id_tags(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> IdTagPage:
        page = admin.page(limit, cursor)
        return IdTagPage(items=[IdTagView.of(r) for r in page.items], nextCursor=page.next_cursor)

    @routes.get("/api/id-tags/<idTag>", tags=TAGS, summary="An id tag", responses=errors(404))
    def get_id_tag(idTag: str) -> IdTagView:
        return IdTagView.of(admin.get(path_value(idTag)))

    @routes.put("/api/id-tags/<idTag>", tags=TAGS, summary="Create or replace an id tag")
    def put_id_tag(
        idTag: Annotated[str, Path(pattern=ID_TAG_PATTERN)], tag: IdTagFields
    ) -> IdTagView:
        return IdTagView.of(admin.put(tag.record(path_value(idTag))))

    @routes.delete(
        "/api/id-tags/<idTag>",
        status_code=204,
        tags=TAGS,
        summary="Delete an id tag",
        responses=errors(404),
    )
    def delete_id_tag(idTag: str) -> Response[None]:
        admin.delete(path_value(idTag))
        return Response(status_code=204, content_type=None, body=None)
