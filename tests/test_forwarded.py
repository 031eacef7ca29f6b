"""Which X-Forwarded-For entry is the client's, in the two shapes Azure delivers.

Straight behind App Service's front end the last entry is the client; behind the
Static Web App's linked backend the last entry is the Static Web App's proxy and
the client is the one before it. A client may put anything further left.
"""

from __future__ import annotations

import pytest

from shared.forwarded import client_ip

CLIENT = "203.0.113.7"
SWA_PROXY = "[fd00::51ab:7]:64909"  # an internal IPv6 hop with its port, as SWA sends


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        (f"{CLIENT}:51234", CLIENT),
        (f"198.51.100.1, {CLIENT}:51234", CLIENT),  # a claim of the client's own is skipped
        ("", None),
        (None, None),
    ],
)
def test_front_end_only(forwarded_for: str | None, expected: str | None) -> None:
    assert client_ip(forwarded_for, proxies=0) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        (f"{CLIENT}:51234, {SWA_PROXY}", CLIENT),
        (f"198.51.100.1, {CLIENT}:51234, {SWA_PROXY}", CLIENT),
        (SWA_PROXY, None),  # no hop before the proxy: the address is unknown, not the proxy's
        (f"not-an-address, {SWA_PROXY}", None),
    ],
)
def test_behind_the_static_web_app(forwarded_for: str, expected: str | None) -> None:
    assert client_ip(forwarded_for, proxies=1) == expected


def test_the_wrong_count_shows_the_proxy() -> None:
    """What the first deployment's check looks for (infra/README.md): every session at one
    internal address means the proxy hop was taken for the client."""
    assert client_ip(f"{CLIENT}:51234, {SWA_PROXY}", proxies=0) == "fd00::51ab:7"
