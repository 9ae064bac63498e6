"""One Kinesis shard delivered to its consumer, like a Lambda event source mapping.

The poller reads the shard from TRIM_HORIZON with GetRecords, gathers up to `batch_size`
records or `max_batching_window_s`, and invokes the consumer with Lambda's Kinesis event.
Checkpoints live in memory. One batch per shard is in flight at a time, so the shard's
order is kept (the parallelization factor is not imitated).

Failures, as with `ReportBatchItemFailures`, `BisectBatchOnFunctionError` and
`MaximumRetryAttempts` on AWS:
- a partial batch response checkpoints the records before the lowest failed sequence
  number and retries from it; the record that keeps failing as the head of the batch is
  skipped after `stream_max_retries` retries;
- an error (or an unusable answer) fails the whole batch; once its retries are spent, its
  records are retried one by one, which isolates the failing ones;
- a skipped record is logged at ERROR with its sequence number and partition key: the
  local stand-in for the on-failure destination. Nothing is retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from infra.catalog import StreamConsumerDef
from local.delivery.event_shapes import (
    MAX_BATCH_PAYLOAD_BYTES,
    BatchResult,
    StreamSource,
    batch_result,
    kinesis_event,
    record_payload_bytes,
    whole_batch_failure,
)
from local.delivery.runtime import Runtime, pause
from local.invoke import InvocationError, LambdaFunction

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

logger = logging.getLogger("local.delivery")

# GetRecords returns at most this many records per call.
GET_RECORDS_LIMIT = 10_000
ERROR_BACKOFF_S = 1.0
LOG_DATA_CHARS = 200


class ShardPoller:
    def __init__(
        self,
        runtime: Runtime,
        kinesis: KinesisClient,
        *,
        stream_name: str,
        consumer: StreamConsumerDef,
        function: LambdaFunction,
        source: StreamSource,
    ) -> None:
        self._runtime = runtime
        self._kinesis = kinesis
        self.stream_name = stream_name
        self.consumer = consumer
        self.function = function
        self.source = source
        window = runtime.config.batching_window_s
        self.window_s = consumer.max_batching_window_s if window is None else window
        # Records read but not yet checkpointed, in shard order.
        self._pending: list[Any] = []
        self._iterator: str | None = None
        self._last_read: str | None = None
        self._window_started = 0.0
        # Deliver what is pending without waiting for the window (retry, isolation).
        self._deliver_now = False
        # When drain() asked to skip the window, until the shard is seen idle after that.
        self._flush_requested: float | None = None
        # The record at the head of the failing batch, and how often it failed there.
        self._failing: str | None = None
        self._attempts = 0
        # While set: one record per batch, up to and including this sequence number.
        self._isolate_until: int | None = None
        self.checkpoint: str | None = None
        # Start of the last GetRecords that found nothing new with nothing left to deliver.
        self.idle_since = -math.inf
        self.finished = False
        self.wake = asyncio.Event()

    @property
    def name(self) -> str:
        return f"{self.stream_name}/{self.source.shard_id}"

    async def open(self) -> None:
        self._iterator = await self._runtime.io(lambda: self._shard_iterator(None))

    def request_flush(self) -> None:
        """drain(): deliver what is read without waiting for the window, then report idle."""
        self._flush_requested = time.monotonic()
        self.wake.set()

    async def run(self) -> None:
        while not self._runtime.stopping.is_set() and not self.finished:
            try:
                await self._step()
            except Exception:
                logger.exception("%s: polling failed; retrying", self.name)
                await pause(self.wake, ERROR_BACKOFF_S)

    async def _step(self) -> None:
        poll_started = time.monotonic()
        fetched = await self._fetch()
        if self._batch_ready():
            await self._deliver()
            return
        if not self._pending and not fetched:
            self.idle_since = poll_started
            if self._flush_requested is not None and poll_started >= self._flush_requested:
                self._flush_requested = None
            if self._iterator is None:  # a closed shard, read to its end
                self.finished = True
                return
        await pause(self.wake, self._pause_s())

    # --- reading ----------------------------------------------------------------------

    def _shard_iterator(self, after: str | None) -> str:
        if after is None:
            response = self._kinesis.get_shard_iterator(
                StreamName=self.stream_name,
                ShardId=self.source.shard_id,
                ShardIteratorType="TRIM_HORIZON",
            )
        else:
            response = self._kinesis.get_shard_iterator(
                StreamName=self.stream_name,
                ShardId=self.source.shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                StartingSequenceNumber=after,
            )
        return response["ShardIterator"]

    async def _fetch(self) -> int:
        iterator = self._iterator
        room = min(self.consumer.batch_size - len(self._pending), GET_RECORDS_LIMIT)
        if iterator is None or room <= 0:
            return 0
        try:
            response = await self._runtime.io(
                lambda: self._kinesis.get_records(ShardIterator=iterator, Limit=room)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ExpiredIteratorException":
                raise
            last_read = self._last_read
            self._iterator = await self._runtime.io(lambda: self._shard_iterator(last_read))
            return 0
        self._iterator = response.get("NextShardIterator")
        records = response["Records"]
        if records:
            if not self._pending:
                self._window_started = time.monotonic()
            self._pending.extend(records)
            self._last_read = records[-1]["SequenceNumber"]
        return len(records)

    # --- batching ---------------------------------------------------------------------

    def _batch_limit(self) -> int:
        return 1 if self._isolate_until is not None else self.consumer.batch_size

    def _batch_ready(self) -> bool:
        if not self._pending:
            return False
        if self._deliver_now or self._flush_requested is not None:
            return True
        if len(self._pending) >= self._batch_limit():
            return True
        return time.monotonic() - self._window_started >= self.window_s

    def _pause_s(self) -> float:
        interval = self._runtime.config.poll_interval_s
        if not self._pending:
            return interval
        remaining = self.window_s - (time.monotonic() - self._window_started)
        return max(0.0, min(interval, remaining))

    def _take_batch(self) -> list[Any]:
        batch: list[Any] = []
        size = 0
        for record in self._pending[: self._batch_limit()]:
            size += record_payload_bytes(record)
            if batch and size > MAX_BATCH_PAYLOAD_BYTES:
                break
            batch.append(record)
        return batch

    # --- delivering -------------------------------------------------------------------

    async def _deliver(self) -> None:
        batch = self._take_batch()
        sequence_numbers = [str(record["SequenceNumber"]) for record in batch]
        cause: BaseException | None = None
        try:
            response = await self._runtime.invoke(self.function, kinesis_event(batch, self.source))
            result = batch_result(response, sequence_numbers)
        except InvocationError as exc:
            cause = exc.cause or exc
            result = whole_batch_failure(sequence_numbers, str(exc))
        if result.first_failed is None:
            logger.debug("%s: delivered %d records", self.name, len(batch))
            self._advance(len(batch))
            self._failing, self._attempts = None, 0
            return
        failed_at = sequence_numbers.index(result.first_failed)
        self._advance(failed_at)  # the records before the failed one are done
        await self._failed(batch[failed_at:], result, cause)

    async def _failed(
        self, records: list[Any], result: BatchResult, cause: BaseException | None
    ) -> None:
        head = records[0]["SequenceNumber"]
        if head == self._failing:
            self._attempts += 1
        else:
            self._failing, self._attempts = head, 1
        retries = self._runtime.config.stream_max_retries
        if self._attempts <= retries:
            logger.warning(
                "%s: %s failed from record %s (%s); retry %d of %d",
                self.name,
                self.function.name,
                head,
                result.reason,
                self._attempts,
                retries,
                exc_info=cause if self._attempts == 1 else None,
            )
            self._deliver_now = True
            await pause(self.wake, self._runtime.config.retry_delay_s)
            return
        self._failing, self._attempts = None, 0
        self._deliver_now = True
        if result.whole_batch and len(records) > 1:
            # Bisecting, taken to its end: every record gets its own tries.
            self._isolate_until = int(records[-1]["SequenceNumber"])
            logger.warning(
                "%s: batch from %s keeps failing; retrying its %d records one by one",
                self.name,
                head,
                len(records),
            )
            return
        logger.error(
            "%s: %s failed on record %s (partition key %r, data %r) %d times: %s. "
            "Skipped (on AWS: sent to the on-failure destination).",
            self.name,
            self.function.name,
            head,
            records[0]["PartitionKey"],
            _preview(records[0]["Data"]),
            retries + 1,
            result.reason,
            exc_info=cause,
        )
        self._advance(1)

    def _advance(self, count: int) -> None:
        """Checkpoint the first `count` pending records."""
        if count <= 0:
            return
        self.checkpoint = str(self._pending[count - 1]["SequenceNumber"])
        del self._pending[:count]
        if self._isolate_until is not None and int(self.checkpoint) >= self._isolate_until:
            self._isolate_until = None
        if not self._pending:
            self._deliver_now = False


def _preview(data: bytes) -> str:
    text = data[:LOG_DATA_CHARS].decode("utf-8", errors="replace")
    return text + ("..." if len(data) > LOG_DATA_CHARS else "")
