"""The local platform's certificate authority (docs/adr/0041): the CA whose key the signer
function reads from Secrets Manager, as on AWS, here moto's.

With a state folder the CA is kept in it (`certificate-authority/`, the key readable by its
owner only) and loaded at the next start, so the stations' certificates stay valid across
restarts; without one a new CA is made at every start. `--fresh` forgets the tables, not
the CA.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from shared.certificates.x509 import Authority, new_authority
from shared.ports.certificates import AuthorityMaterial
from shared.timeutil import utc_now

logger = logging.getLogger("local.certificate_authority")

LOCAL_CA_ORGANIZATION = "CSMS Local"
KEY_FILE = "ca-key.pem"
CHAIN_FILE = "ca.pem"


def local_authority(folder: Path | None, organization: str | None = None) -> AuthorityMaterial:
    """The CA kept in `folder`, or a new one (written there if a folder is given)."""
    if folder is not None and (folder / KEY_FILE).is_file() and (folder / CHAIN_FILE).is_file():
        material = AuthorityMaterial(
            key_pem=(folder / KEY_FILE).read_text(), chain_pem=(folder / CHAIN_FILE).read_text()
        )
        Authority(material.key_pem, material.chain_pem)  # refuse a broken pair at start-up
        return material
    key_pem, chain_pem = new_authority(organization or LOCAL_CA_ORGANIZATION, utc_now())
    material = AuthorityMaterial(key_pem=key_pem, chain_pem=chain_pem)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / KEY_FILE
        with contextlib.suppress(FileNotFoundError):
            key_file.unlink()
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key_pem)
        (folder / CHAIN_FILE).write_text(chain_pem)
        logger.info("a new certificate authority is kept in %s", folder)
    return material


def set_up_certificate_authority(
    endpoint_url: str, environment: Mapping[str, str], state_path: Path | None
) -> str | None:
    """Put the local CA in the secret the signer reads (CA_SECRET_NAME); its certificate."""
    import boto3

    from shared.adapters.secrets_certificates import secret_string

    name = environment.get("CA_SECRET_NAME")
    if not name:
        return None
    folder = state_path / "certificate-authority" if state_path is not None else None
    material = local_authority(folder, environment.get("CERTIFICATE_ORGANIZATION"))
    client = boto3.client(
        "secretsmanager", endpoint_url=endpoint_url, region_name=environment["AWS_REGION"]
    )
    try:
        client.create_secret(Name=name, SecretString=secret_string(material))
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=secret_string(material))
    return material.chain_pem
