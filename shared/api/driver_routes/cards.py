"""A driver's RFID cards: register a card UID, list, remove (their own only)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import Field

from shared.api.context import ApiContext, path_value
from shared.api.models.common import ApiModel
from shared.api.routes.responses import errors
from shared.drivers.cards import CARD_UID
from shared.models.transaction import IdTagRecord

TAGS = ["cards"]


class CardRegistration(ApiModel):
    uid: Annotated[
        str,
        Field(
            pattern=CARD_UID.pattern,
            description="The card's UID as chargers read it (hex), or its printed number",
        ),
    ]


class CardView(ApiModel):
    uid: str
    status: str  # Accepted, or what an operator set (Blocked, Expired, ...)

    @classmethod
    def of(cls, record: IdTagRecord) -> CardView:
        return cls(uid=record.id_tag, status=record.status)


class CardList(ApiModel):
    items: list[CardView]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    cards = ctx.services.driver_cards

    @routes.post(
        "/driver/cards",
        status_code=201,
        tags=TAGS,
        summary="Register an RFID card: sessions started with it are billed to you",
        responses=errors(409),
    )
    def register_card(card: CardRegistration) -> Response[CardView]:
        record = cards.register(ctx.driver(), card.uid)
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=CardView.of(record),
            headers={"Location": f"/driver/cards/{record.id_tag}"},
        )

    @routes.get("/driver/cards", tags=TAGS, summary="Your cards")
    def list_cards() -> CardList:
        return CardList(items=[CardView.of(r) for r in cards.cards(ctx.driver())])

    @routes.delete(
        "/driver/cards/<uid>",
        status_code=204,
        tags=TAGS,
        summary="Remove one of your cards (it stops working at chargers)",
        responses=errors(404),
    )
    def remove_card(uid: str) -> Response[None]:
        cards.remove(ctx.driver(), path_value(uid))
        return Response(status_code=204, content_type=None, body=None)
