"""A campaign's tag selector through the operator API: operators tag chargers, a campaign
picks the tagged ones (any of its tags, AND the other criteria)."""

from __future__ import annotations

from shared.models.charger import ChargerRecord
from tests.unit.api.test_firmware_files_api import FILE, declare
from tests.unit.api.world import World


def available_image(world: World) -> str:
    image_id: str = declare(world)["image"]["imageId"]
    world.deps.files.objects.objects[f"firmware/{image_id}/fw-2.0.0.bin"] = FILE
    assert world.client.post(f"/api/firmware/images/{image_id}/verify").status == 200
    return image_id


def test_a_campaign_selects_chargers_by_tag(world: World) -> None:
    for cp, model in (("CP-1", "X1"), ("CP-2", "X1"), ("CP-3", "X2"), ("CP-4", "X1")):
        world.deps.chargers.create(ChargerRecord(cp, vendor="ACME", model=model))
    world.client.patch("/api/chargers/CP-1", {"addTags": ["pilot"]})
    world.client.patch("/api/chargers/CP-2", {"addTags": ["depot-north"]})
    world.client.patch("/api/chargers/CP-3", {"addTags": ["pilot"]})
    body = {
        "name": "pilot roll",
        "imageId": available_image(world),
        "selector": {"tags": ["pilot", "depot-north"], "models": ["X1"]},
    }
    created = world.client.post("/api/firmware/campaigns", body)
    assert created.status == 201, created.body
    campaign_id = created.headers["Location"].rsplit("/", 1)[1]
    shown = world.client.get(f"/api/firmware/campaigns/{campaign_id}").body
    assert shown["campaign"]["selector"]["tags"] == ["pilot", "depot-north"]
    targets = world.client.get(f"/api/firmware/campaigns/{campaign_id}/targets").body
    # CP-3 has the tag but not the model; CP-4 the model but no tag.
    assert sorted(t["chargePointId"] for t in targets["targets"]) == ["CP-1", "CP-2"]


def test_a_tag_alone_is_a_selector(world: World) -> None:
    world.deps.chargers.create(ChargerRecord("CP-1"))
    body = {"name": "none", "imageId": available_image(world), "selector": {"tags": ["nobody"]}}
    created = world.client.post("/api/firmware/campaigns", body)
    assert created.status == 201, created.body
    campaign_id = created.headers["Location"].rsplit("/", 1)[1]
    targets = world.client.get(f"/api/firmware/campaigns/{campaign_id}/targets").body
    assert targets["targets"] == []
