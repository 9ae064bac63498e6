"""Campaigns in the Firmware table (docs/adr/0045-firmware-campaigns.md).

Items:
- `CAMPAIGN#<id>` / `CAMPAIGN`: the campaign (`kind` = "campaign": listed newest first through
  the ByKind index);
- `CAMPAIGN#<id>` / `TARGET#<cp>`: a target, its state, attempt, task token and timeline;
- `CAMPAIGN#<id>` / `SITE#<site>`: the number of the campaign's chargers of that site holding
  a slot (`slots`);
- `CHARGER#<cp>` / `FIRMWARE`: the charger's active job (campaign, attempt, requestId: 1.6
  reports carry no requestId);
- `CHARGER#<cp>` / `CAMPAIGN#<id>`: the charger's history (written when an update is sent).

Every change is conditional on what the caller read; a terminal move frees its site slot and
a first send writes the history in the same transaction.
"""

from __future__ import annotations

import time
from typing import Any

from shared.adapters.aws_clients import error_code
from shared.adapters.dynamodb.items import (
    TRANSACTION_CANCELED,
    conditional,
    from_item,
    query_all,
    to_attr,
    to_item,
    update_expression,
)
from shared.adapters.dynamodb.paging import encode_cursor, read_page, start_key
from shared.models.firmware_campaign import (
    TERMINAL,
    Campaign,
    Move,
    Selector,
    StatusEvent,
    Target,
    Window,
)
from shared.ports.firmware_campaigns import ActiveJob
from shared.ports.paging import Page

KIND = "campaign"
BATCH_SIZE = 25
BATCH_WRITE_ATTEMPTS = 5
INDEX_KEY = ("kind", "createdAt", "pk", "sk")

# Campaign field -> stored attribute (selector and windows are maps/lists).
_CAMPAIGN_FIELDS = {
    "campaign_id": "campaignId",
    "name": "name",
    "image_id": "imageId",
    "image_version": "imageVersion",
    "created_at": "createdAt",
    "status": "status",
    "waves": "waves",
    "failure_threshold_pct": "failureThresholdPct",
    "session_policy": "sessionPolicy",
    "site_concurrency": "siteConcurrency",
    "concurrency": "concurrency",
    "charger_timeout_s": "chargerTimeoutS",
    "retries": "retries",
    "poll_s": "pollS",
    "created_by": "createdBy",
    "started_at": "startedAt",
    "finished_at": "finishedAt",
    "execution_arn": "executionArn",
    "halted_reason": "haltedReason",
    "target_count": "targetCount",
}
_TARGET_FIELDS = {
    "state": "state",
    "site": "site",
    "attempt": "attempt",
    "request_id": "requestId",
    "task_token": "taskToken",
    "reason": "reason",
    "slot_held": "slotHeld",
    "updated_at": "updatedAt",
}


def _campaign_key(campaign_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": "CAMPAIGN"}}


def _target_key(campaign_id: str, charge_point_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": f"TARGET#{charge_point_id}"}}


def _site_key(campaign_id: str, site: str) -> dict[str, Any]:
    return {"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": f"SITE#{site}"}}


def _stored(name: str, value: Any) -> Any:
    if name == "waves":
        return list(value)
    return value


def campaign_item(campaign: Campaign) -> dict[str, Any]:
    values: dict[str, Any] = {
        attribute: _stored(name, getattr(campaign, name))
        for name, attribute in _CAMPAIGN_FIELDS.items()
    }
    selector = campaign.selector
    values["selector"] = {
        "vendors": list(selector.vendors),
        "models": list(selector.models),
        "firmwareVersions": list(selector.firmware_versions),
        "sites": list(selector.sites),
        "chargerIds": list(selector.charger_ids),
        "tags": list(selector.tags),
    }
    values["windows"] = [
        {"start": w.start, "end": w.end, "days": list(w.days)} for w in campaign.windows
    ]
    values["kind"] = KIND
    return {**_campaign_key(campaign.campaign_id), **to_item(values)}


def _campaign(values: dict[str, Any]) -> Campaign:
    fields: dict[str, Any] = {
        name: values.get(attr) for name, attr in _CAMPAIGN_FIELDS.items() if attr in values
    }
    fields["waves"] = tuple(values.get("waves") or ())
    sel = values.get("selector") or {}
    fields["selector"] = Selector(
        vendors=tuple(sel.get("vendors") or ()),
        models=tuple(sel.get("models") or ()),
        firmware_versions=tuple(sel.get("firmwareVersions") or ()),
        sites=tuple(sel.get("sites") or ()),
        charger_ids=tuple(sel.get("chargerIds") or ()),
        tags=tuple(sel.get("tags") or ()),
    )
    fields["windows"] = tuple(
        Window(w["start"], w["end"], tuple(w.get("days") or ()))
        for w in values.get("windows") or ()
    )
    return Campaign(**fields)


def _target(values: dict[str, Any]) -> Target:
    return Target(
        campaign_id=str(values["campaignId"]),
        charge_point_id=str(values["chargePointId"]),
        wave=int(values["wave"]),
        state=str(values.get("state", "pending")),
        site=values.get("site"),
        attempt=int(values.get("attempt", 1)),
        request_id=values.get("requestId"),
        task_token=values.get("taskToken"),
        reason=values.get("reason"),
        slot_held=bool(values.get("slotHeld", False)),
        updated_at=values.get("updatedAt"),
        timeline=tuple(StatusEvent(e["status"], e["at"]) for e in values.get("timeline") or ()),
    )


def target_item(target: Target) -> dict[str, Any]:
    values = {attr: getattr(target, name) for name, attr in _TARGET_FIELDS.items()}
    values.update(
        campaignId=target.campaign_id,
        chargePointId=target.charge_point_id,
        wave=target.wave,
        timeline=[{"status": e.status, "at": e.at} for e in target.timeline],
    )
    return {**_target_key(target.campaign_id, target.charge_point_id), **to_item(values)}


class DynamoCampaignStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, campaign: Campaign) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=campaign_item(campaign),
                ConditionExpression="attribute_not_exists(pk)",
            )
            is not None
        )

    def get(self, campaign_id: str) -> Campaign | None:
        item = self._client.get_item(
            TableName=self._table, Key=_campaign_key(campaign_id), ConsistentRead=True
        ).get("Item")
        return _campaign(from_item(item)) if item else None

    def list_page(self, limit: int, cursor: str | None) -> Page[Campaign]:
        start = start_key(cursor, INDEX_KEY, {"kind": KIND})
        items, last = read_page(
            self._client.query,
            {
                "TableName": self._table,
                "IndexName": "ByKind",
                "KeyConditionExpression": "kind = :k",
                "ExpressionAttributeValues": {":k": {"S": KIND}},
                "ScanIndexForward": False,
            },
            limit,
            start,
            INDEX_KEY,
        )
        return Page([_campaign(from_item(i)) for i in items], encode_cursor(last))

    def set_status(
        self, campaign_id: str, expected: frozenset[str], changes: dict[str, Any]
    ) -> Campaign | None:
        values = {_CAMPAIGN_FIELDS[name]: _stored(name, v) for name, v in changes.items()}
        expression, names, attribute_values = update_expression(values)
        names["#status"] = "status"
        allowed = sorted(expected)
        for index, status in enumerate(allowed):
            attribute_values[f":from{index}"] = to_attr(status)
        placeholders = ", ".join(f":from{index}" for index in range(len(allowed)))
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_campaign_key(campaign_id),
            UpdateExpression=expression,
            ConditionExpression=f"attribute_exists(pk) AND #status IN ({placeholders})",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=attribute_values,
            ReturnValues="ALL_NEW",
        )
        return _campaign(from_item(response["Attributes"])) if response else None

    def put_targets(self, targets: list[Target]) -> None:
        items = [target_item(t) for t in targets]
        for begin in range(0, len(items), BATCH_SIZE):
            pending: dict[str, Any] = {
                self._table: [
                    {"PutRequest": {"Item": i}} for i in items[begin : begin + BATCH_SIZE]
                ]
            }
            for attempt in range(BATCH_WRITE_ATTEMPTS):
                if attempt:
                    time.sleep(0.05 * 2**attempt)
                pending = self._client.batch_write_item(RequestItems=pending).get(
                    "UnprocessedItems"
                )
                if not pending:
                    break
            else:
                raise RuntimeError("DynamoDB left campaign targets unwritten; try again")

    def get_target(self, campaign_id: str, charge_point_id: str) -> Target | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=_target_key(campaign_id, charge_point_id),
            ConsistentRead=True,
        ).get("Item")
        return _target(from_item(item)) if item else None

    def targets(self, campaign_id: str) -> list[Target]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :t)",
            ExpressionAttributeValues={
                ":pk": {"S": f"CAMPAIGN#{campaign_id}"},
                ":t": {"S": "TARGET#"},
            },
            ConsistentRead=True,
        )
        return [_target(values) for values in items]

    def reserve(self, target: Target, site_limit: int | None, at: str) -> Target | None:
        holds = target.site is not None and site_limit is not None
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": _target_key(target.campaign_id, target.charge_point_id),
            "UpdateExpression": (
                "SET #state = :ready, slotHeld = :held, updatedAt = :at, "
                "timeline = list_append(if_not_exists(timeline, :empty), :entry)"
            ),
            "ConditionExpression": "#state = :pending",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {
                ":ready": {"S": "ready"},
                ":pending": {"S": "pending"},
                ":held": {"BOOL": holds},
                ":at": {"S": at},
                ":empty": {"L": []},
                ":entry": to_attr([{"status": "ready", "at": at}]),
            },
        }
        actions: list[dict[str, Any]] = [{"Update": update}]
        if holds:
            actions.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _site_key(target.campaign_id, str(target.site)),
                        "UpdateExpression": "ADD slots :one",
                        "ConditionExpression": "attribute_not_exists(slots) OR slots < :limit",
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":limit": {"N": str(site_limit)},
                        },
                    }
                }
            )
        if not self._transact(actions):
            return None
        return self.get_target(target.campaign_id, target.charge_point_id)

    def move(
        self, target: Target, move: Move, at: str, changes: dict[str, Any] | None = None
    ) -> Target | None:
        values = {_TARGET_FIELDS[name]: v for name, v in (changes or {}).items()}
        values.update(state=move.state, updatedAt=at)
        if move.reason is not None:
            values["reason"] = move.reason
        frees = move.state in TERMINAL and target.slot_held and target.site is not None
        if move.state in TERMINAL:
            values["taskToken"] = None
            values["slotHeld"] = False
        expression, names, attribute_values = update_expression(values)
        if move.expected != move.state or move.reason is not None:
            label = move.state if move.reason is None else f"{move.state}: {move.reason}"
            appended = "timeline = list_append(if_not_exists(timeline, :empty), :entry)"
            attribute_values[":empty"] = {"L": []}
            attribute_values[":entry"] = to_attr([{"status": label, "at": at}])
            if expression.startswith("SET "):
                expression = f"SET {appended}, {expression[4:]}"
            else:
                expression = f"SET {appended} {expression}"
        names["#cstate"] = "state"
        attribute_values[":expected"] = {"S": move.expected}
        attribute_values[":attempt"] = {"N": str(target.attempt)}
        attribute_values[":held"] = {"BOOL": target.slot_held}
        condition = "#cstate = :expected AND attempt = :attempt AND slotHeld = :held"
        if not target.slot_held:
            condition = (
                "#cstate = :expected AND attempt = :attempt "
                "AND (attribute_not_exists(slotHeld) OR slotHeld = :held)"
            )
        update = {
            "TableName": self._table,
            "Key": _target_key(target.campaign_id, target.charge_point_id),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": attribute_values,
        }
        actions: list[dict[str, Any]] = [{"Update": update}]
        if frees:
            actions.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _site_key(target.campaign_id, str(target.site)),
                        "UpdateExpression": "ADD slots :minus",
                        "ExpressionAttributeValues": {":minus": {"N": "-1"}},
                    }
                }
            )
        if move.state == "sent" and move.expected != "sent":
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(
                            {
                                "pk": f"CHARGER#{target.charge_point_id}",
                                "sk": f"CAMPAIGN#{target.campaign_id}",
                                "campaignId": target.campaign_id,
                                "at": at,
                            }
                        ),
                    }
                }
            )
        if not self._transact(actions):
            return None
        return self.get_target(target.campaign_id, target.charge_point_id)

    def _transact(self, actions: list[dict[str, Any]]) -> bool:
        """One write or a transaction; False when a condition did not hold."""
        if len(actions) == 1:
            return conditional(self._client.update_item, **actions[0]["Update"]) is not None
        try:
            self._client.transact_write_items(TransactItems=actions)
        except Exception as exc:
            if error_code(exc) != TRANSACTION_CANCELED:
                raise
            return conditional(_raise, exc=exc) is not None
        return True

    def set_active_job(self, job: ActiveJob) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": f"CHARGER#{job.charge_point_id}",
                    "sk": "FIRMWARE",
                    "campaignId": job.campaign_id,
                    "requestId": job.request_id,
                    "attempt": job.attempt,
                }
            ),
        )

    def active_job(self, charge_point_id: str) -> ActiveJob | None:
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"CHARGER#{charge_point_id}"}, "sk": {"S": "FIRMWARE"}},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        values = from_item(item)
        return ActiveJob(
            charge_point_id,
            str(values["campaignId"]),
            int(values["requestId"]),
            int(values["attempt"]),
        )

    def charger_campaigns(self, charge_point_id: str) -> list[str]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :c)",
            ExpressionAttributeValues={
                ":pk": {"S": f"CHARGER#{charge_point_id}"},
                ":c": {"S": "CAMPAIGN#"},
            },
        )
        ordered = sorted(items, key=lambda v: str(v.get("at", "")), reverse=True)
        return [str(v["campaignId"]) for v in ordered]


def _raise(exc: Exception) -> Any:
    """Re-raise a cancelled transaction through `conditional`, which tells a failed
    condition (None) from a conflict or throttling (raised)."""
    raise exc
