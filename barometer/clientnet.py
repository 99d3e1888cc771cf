"""The network block a web answer came from, so editors can see ballot stuffing.

The client address comes from the project's one rule (settings.CLIENT_IP_CALLABLE, the
same function the rate limits and the admin lockout use); only a truncated block is stored
(/24 for IPv4, /48 for IPv6), never the address itself.
"""

import ipaddress

from django.conf import settings
from django.utils.module_loading import import_string

PREFIX = {4: 24, 6: 48}


def client_address(request):
    return import_string(settings.CLIENT_IP_CALLABLE)(request)


def client_network(request):
    """E.g. "198.51.100.0/24"; "" when the address is unusable."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{address}/{PREFIX[address.version]}", strict=False))


def survey_rate(group, request):
    return settings.SURVEY_RATE_LIMIT
