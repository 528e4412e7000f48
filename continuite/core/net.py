"""The client's address, decided in one place: rate limits, SMS budgets and the login lockout.

Behind TRUSTED_PROXY_COUNT reverse proxies, the client is the address the outermost of them saw:
that many entries from the right of X-Forwarded-For (the entries further left can be forged).
An IPv6 client is counted by its /64, the network one subscriber gets.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address (an IPv6 one as its /64 network), or None when it is not one."""
    raw = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if hops and len(forwarded) >= hops:
        raw = forwarded[-hops]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def client_address(request) -> str:
    """The client's address as a counting key: `client_ip`, or "unknown" when there is none."""
    return client_ip(request) or "unknown"
