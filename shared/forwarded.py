"""The client's address from X-Forwarded-For, trusting only the hops we put there.

Each proxy appends the address it received the request from, so the entries on the
right are written by our own front ends and everything to their left is whatever
the client sent. Azure's App Service front end appends the caller's address; behind
the Static Web App's linked backend that caller is the Static Web App's proxy, whose
own (internal) address is then the last entry and the client's the one before it
(Azure/static-web-apps#1666). `proxies` says how many such entries of ours follow
the client's: 0 when the front end faces the client, 1 behind the Static Web App.
"""

from __future__ import annotations

import ipaddress
import re

_PORT = re.compile(r":[0-9]{1,5}")


def client_ip(forwarded_for: str | None, proxies: int) -> str | None:
    """The address `proxies` entries left of the last one, or None when there is none."""
    entries = (forwarded_for or "").split(",")
    if not forwarded_for or len(entries) <= proxies:
        return None
    return client_address(entries[-1 - proxies])


def client_address(entry: str) -> str | None:
    """One X-Forwarded-For entry as a canonical IP address, or None when it is not one.

    Azure's front end writes `v4:port` and `[v6]:port`: the port goes, so that limits
    count per address rather than per connection. An IPv4-mapped IPv6 address is the
    IPv4 address it carries, as the same client may arrive either way.
    """
    try:
        address = ipaddress.ip_address(_without_port(entry.strip()))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _without_port(entry: str) -> str:
    """`[v6]:port` or `[v6]` → v6, `v4:port` → v4, anything else as it is."""
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        return host if bracket and (not rest or _PORT.fullmatch(rest)) else ""
    if entry.count(":") == 1:
        host, colon, port = entry.partition(":")
        return host if _PORT.fullmatch(colon + port) else ""
    return entry
