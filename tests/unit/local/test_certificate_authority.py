"""The local platform's CA (docs/adr/0041): made once, kept in the state folder, loaded again."""

from __future__ import annotations

import stat

import pytest

from local.certificate_authority import CHAIN_FILE, KEY_FILE, local_authority
from shared.certificates.x509 import Authority


def test_without_a_folder_each_start_makes_a_new_ca():
    first, second = local_authority(None), local_authority(None)
    assert first != second
    Authority(first.key_pem, first.chain_pem)


def test_a_ca_kept_in_the_state_folder_is_loaded_again(tmp_path):
    folder = tmp_path / "certificate-authority"
    made = local_authority(folder, "ACME")
    assert stat.S_IMODE((folder / KEY_FILE).stat().st_mode) == 0o600
    assert local_authority(folder) == made
    from cryptography import x509

    ca = x509.load_pem_x509_certificate(made.chain_pem.encode())
    assert ca.subject.rfc4514_string() == "CN=ACME Charging Station CA,O=ACME"


def test_a_broken_pair_in_the_folder_stops_the_start(tmp_path):
    folder = tmp_path / "certificate-authority"
    local_authority(folder)
    other = local_authority(None)
    (folder / CHAIN_FILE).write_text(other.chain_pem)
    with pytest.raises(ValueError, match="does not belong"):
        local_authority(folder)
