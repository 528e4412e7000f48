"""ProConnect is off when unset, and a half-configured ProConnect stops the site from starting."""

import os
import subprocess
import sys

from django.conf import settings

PROCONNECT_ENV = {
    "PROCONNECT_CLIENT_ID": "continuite",
    "PROCONNECT_CLIENT_SECRET": "secret",
    "PROCONNECT_AUTHORIZATION_ENDPOINT": "https://proconnect.example/api/v2/authorize",
    "PROCONNECT_TOKEN_ENDPOINT": "https://proconnect.example/api/v2/token",
    "PROCONNECT_USERINFO_ENDPOINT": "https://proconnect.example/api/v2/userinfo",
    "PROCONNECT_JWKS_ENDPOINT": "https://proconnect.example/api/v2/jwks",
}


def load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROCONNECT_")}
    return subprocess.run(
        [sys.executable, "-c", "import continuite.settings as s; print(s.PROCONNECT_ENABLED)"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_proconnect_is_off_when_unset_and_on_when_fully_configured():
    assert load_settings().stdout.strip() == "False"
    assert load_settings(**PROCONNECT_ENV).stdout.strip() == "True"


def test_a_half_configured_proconnect_fails_loudly():
    env = dict(PROCONNECT_ENV)
    del env["PROCONNECT_JWKS_ENDPOINT"]

    result = load_settings(**env)

    assert result.returncode != 0
    assert "PROCONNECT_JWKS_ENDPOINT" in result.stderr
