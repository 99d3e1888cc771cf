#!/usr/bin/env python3
"""The container's HEALTHCHECK: GET /healthz on the local gunicorn with a Host header that the
configured ALLOWED_HOSTS accepts (its first entry; `.example.fi` → `healthcheck.example.fi`,
`*` → `localhost`), so the probe passes Django's host validation like any real request.
Exit 0 when /healthz answers 2xx, 1 otherwise. Standard library only.

Run: `python scripts/healthcheck.py [URL]` (default http://127.0.0.1:8000/healthz).
"""

import os
import sys
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts):
    """The Host header to send, chosen from ALLOWED_HOSTS as the settings read it."""
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "localhost")
    if first == "*":
        return "localhost"
    if first.startswith("."):
        return "healthcheck" + first
    return first


def main(argv):
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if 200 <= response.status < 300 else 1
    except OSError as error:  # HTTPError (4xx/5xx) and connection errors alike
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
