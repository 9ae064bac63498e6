"""Firmware images, file tokens and upload jobs in the Firmware table, and the files bucket,
against moto (docs/adr/0045): conditional writes, newest first, expired tokens absent, a
replayed status ignored; presigned URLs, S3's checksum or a read-and-hash (the URLs are
fetched for real by tests/e2e/test_firmware_files.py)."""

from __future__ import annotations

import hashlib
import time

import boto3
import pytest
from botocore.config import Config

from shared.adapters.dynamodb.file_tokens import DynamoFileTokens, DynamoUploadJobs
from shared.adapters.dynamodb.firmware_images import DynamoFirmwareImages
from shared.adapters.s3 import S3FileObjects
from shared.models.files import FileToken, UploadJob
from shared.models.firmware import FirmwareImage
from shared.ports import InvalidCursor


def image(n: int) -> FirmwareImage:
    return FirmwareImage(
        image_id=f"{n:032x}",
        version=f"1.{n}",
        file_name="fw.bin",
        sha256="ab" * 32,
        status="awaiting_upload",
        created_at=f"2030-01-01T10:{n:02d}:00.000Z",
        size_bytes=10,
    )


@pytest.fixture
def images(aws_env, dynamodb):
    return DynamoFirmwareImages(dynamodb, aws_env.firmware_table)


def test_images_are_created_once_listed_newest_first_and_made_available(images):
    assert images.create(image(1)) and not images.create(image(1))
    for n in range(2, 6):
        images.create(image(n))
    first = images.list(3)
    assert [i.image_id for i in first.items] == [image(n).image_id for n in (5, 4, 3)]
    rest = images.list(3, first.next_cursor)
    assert [i.image_id for i in rest.items] == [image(n).image_id for n in (2, 1)]
    assert rest.next_cursor is None
    with pytest.raises(InvalidCursor):
        images.list(3, "bm90IGEgY3Vyc29y")
    available = images.mark_available(image(2).image_id, 10)
    assert available is not None and available.status == "available"
    assert images.mark_available(image(2).image_id, 10) == available
    assert images.get(image(2).image_id) == available
    assert images.mark_available("f" * 32, 1) is None


def test_tokens_expire_and_jobs_record_statuses_once(aws_env, dynamodb):
    tokens = DynamoFileTokens(dynamodb, aws_env.firmware_table)
    now = int(time.time())
    tokens.put_token(FileToken("a" * 32, "upload", "uploads/CP/1/", now + 60, "CP", 1))
    tokens.put_token(FileToken("b" * 32, "download", "firmware/x/fw.bin", now - 1))
    assert tokens.get_token("a" * 32) == FileToken(
        "a" * 32, "upload", "uploads/CP/1/", now + 60, "CP", 1
    )
    assert tokens.get_token("b" * 32) is None  # expired: absent, whatever TTL did
    assert tokens.get_token("c" * 32) is None
    jobs = DynamoUploadJobs(dynamodb, aws_env.firmware_table)
    for request_id in (7, 12):
        job = UploadJob("CP", request_id, "DiagnosticsLog", "2030-01-01T10:00:00Z", "uploads/")
        assert jobs.create(job)
    assert not jobs.create(job)
    assert jobs.latest("CP").request_id == 12
    assert jobs.record_status("CP", 12, "Uploading", "t1")
    assert not jobs.record_status("CP", 12, "Uploading", "t2")  # a replay
    assert jobs.record_status("CP", 12, "Uploaded", "t3")
    assert not jobs.record_status("CP", 99, "Uploading", "t1")
    jobs.answered("CP", 12, "log.txt")
    jobs.record_file("CP", 12, "uploads/CP/12/log.txt", 5, "t4")
    jobs.record_file("CP", 99, "uploads/CP/99/log.txt", 5, "t4")  # no job: nothing
    [newest, oldest] = jobs.list("CP", 10)
    assert (newest.request_id, oldest.request_id) == (12, 7)
    assert [(s.status, s.at) for s in newest.statuses] == [("Uploading", "t1"), ("Uploaded", "t3")]
    assert (newest.file_name, newest.object_key, newest.size_bytes) == (
        "log.txt",
        "uploads/CP/12/log.txt",
        5,
    )
    assert jobs.get("CP", 99) is None


def test_the_bucket_adapter_presigns_heads_and_hashes(aws_env):
    # Path style, as against any endpoint that is not AWS's.
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    objects = S3FileObjects(s3, aws_env.files_bucket)
    assert objects.head("firmware/x/fw.bin") is None
    body = b"firmware!"
    objects.put("firmware/x/fw.bin", body, "application/octet-stream")
    stored = objects.head("firmware/x/fw.bin")
    assert stored is not None and stored.size_bytes == len(body)
    assert objects.sha256("firmware/x/fw.bin") == hashlib.sha256(body).hexdigest()
    s3.put_object(
        Bucket=aws_env.files_bucket,
        Key="firmware/y/fw.bin",
        Body=body,
        ChecksumAlgorithm="SHA256",
    )
    checked = objects.head("firmware/y/fw.bin")
    assert checked is not None and checked.sha256 == hashlib.sha256(body).hexdigest()
    url = objects.presigned_get("firmware/x/fw.bin", 300)
    assert "X-Amz-Expires=300" in url and "firmware/x/fw.bin" in url
    put = objects.presigned_put("uploads/CP/1/a.txt", 900)
    assert "X-Amz-Expires=900" in put
