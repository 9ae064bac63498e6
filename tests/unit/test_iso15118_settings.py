"""The ISO 15118 settings (docs/adr/0042) and the adapters the composition root picks for them."""

from __future__ import annotations

import pytest

from shared.adapters.contract_pool import LocalContractPool
from shared.adapters.ocsp_http import CachingOcspResponder
from shared.bootstrap import aws_dependencies
from shared.config import ConfigError
from tests.fakes import make_settings


def test_by_default_there_is_no_responder_and_no_pool():
    settings = make_settings()
    assert settings.ocsp_responder_url is None
    assert settings.ocsp_responder_hosts == ()
    assert settings.ocsp_timeout_ms == 3000
    assert settings.contract_pool == "none"
    deps = aws_dependencies(settings)
    assert deps.ocsp is None
    assert deps.contract_pool is None


def test_a_responder_url_or_allowed_hosts_and_the_local_pool_are_wired():
    settings = make_settings(
        OCSP_RESPONDER_HOSTS=" OCSP.Hubject.example , ocsp.mo.example,",
        OCSP_TIMEOUT_MS="1500",
        CONTRACT_POOL="local",
    )
    assert settings.ocsp_responder_hosts == ("ocsp.hubject.example", "ocsp.mo.example")
    deps = aws_dependencies(settings)
    assert isinstance(deps.ocsp, CachingOcspResponder)
    assert isinstance(deps.contract_pool, LocalContractPool)
    assert aws_dependencies(make_settings(OCSP_RESPONDER_URL="http://127.0.0.1:1/")).ocsp


@pytest.mark.parametrize(
    "env", [{"CONTRACT_POOL": "hubject"}, {"OCSP_TIMEOUT_MS": "0"}, {"OCSP_TIMEOUT_MS": "60000"}]
)
def test_bad_values_are_refused(env):
    with pytest.raises(ConfigError):
        make_settings(**env)
