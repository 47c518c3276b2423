"""What the URL map adds to a request: cravat's ``egg:cravat#urlmap`` beside ``egg:Paste#urlmap``.

Each map sends requests to one trivial WSGI app; the same app called directly
is the floor, and a map's overhead is its time minus the floor's. Each request
is a plain in-process WSGI call on a fresh environ (the maps rewrite
SCRIPT_NAME and PATH_INFO). Within each repetition the maps take turns in
rotated order; the figure is the median over repetitions.

    .venv/bin/python bench/urlmap.py            # about ten seconds
    .venv/bin/python bench/urlmap.py --quick

Needs Paste (the ``bench`` extra) for ``paste.urlmap``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from itertools import repeat
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from paste.urlmap import URLMap as PasteURLMap  # noqa: E402

from cravat.deploy.urlmap import URLMap  # noqa: E402


def ok_app(environ, start_response):
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]


def discard(status, headers, exc_info=None):
    return None


def paste_map(keys):
    urlmap = PasteURLMap()
    for key in keys:
        urlmap[key] = ok_app
    return urlmap


def cravat_map(keys):
    return URLMap([(key, ok_app) for key in keys])


# Barbican's map, and a large one: 50 API versions with 4 prefixes each.
BARBICAN = ["/", "/healthcheck", "/v1"]
LARGE = ["/", *[f"/v{v}/{part}" for v in range(50) for part in ("servers", "images", "flavors", "volumes")]]
PATTERNS = ["/", "/v1", "~^/v(?P<version>[0-9]+)/(?P<project_id>[0-9a-f]{32})", "~^/legacy/(?P<tenant>[a-z]+)"]
HOSTS = ["/", "/v1", "domain admin.example.com /v1", "domain *.example.com /v1"]

NO_ROOT = ["/healthcheck", "/v1"]

# (name, cravat keys, paste keys or None when paste cannot express them, path, host)
CASES = [
    ("barbican /v1/secrets/abc", BARBICAN, BARBICAN, "/v1/secrets/abc", "api.example.com"),
    ("barbican / (root)", BARBICAN, BARBICAN, "/", "api.example.com"),
    ("50x4 prefixes, deepest hit", LARGE, LARGE, "/v49/volumes/abc/attachments", "api.example.com"),
    ("50x4 prefixes, root fallback", LARGE, LARGE, "/other/path", "api.example.com"),
    ("patterns, pattern hit", PATTERNS, None, "/v2/" + "a" * 32 + "/servers", "api.example.com"),
    ("patterns, prefix hit", PATTERNS, None, "/v1/servers", "api.example.com"),
    ("hosts, wildcard host hit", HOSTS, None, "/v1/servers", "eu.example.com"),
    ("no match: 404", NO_ROOT, NO_ROOT, "/v2/secrets", "api.example.com"),
]


def environ_for(path, host):
    base = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": host, "wsgi.url_scheme": "http"}
    return base.copy


def time_batch(app, make_environ, count):
    start = time.perf_counter_ns()
    for _ in repeat(None, count):
        for _chunk in app(make_environ(), discard):
            pass
    return (time.perf_counter_ns() - start) / count / 1000  # µs per request


def check(app, make_environ, found):
    statuses = []
    body = b"".join(app(make_environ(), lambda status, headers, exc_info=None: statuses.append(status)))
    if (body == b"ok") != found or statuses[0][:3] != ("200" if found else "404"):
        raise SystemExit(f"unexpected answer {statuses} {body[:200]!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--batch", type=int, default=20000)
    parser.add_argument("--quick", action="store_true", help="--reps 3 --batch 5000")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.reps, opts.batch = 3, 5000

    print(f"Python {sys.version.split()[0]}; {opts.reps} reps x {opts.batch} requests; median µs/request")
    print(f"{'case':32} {'direct':>7} {'paste':>7} {'cravat':>7} {'paste+':>7} {'cravat+':>8} {'ratio+':>7}")
    for name, cravat_keys, paste_keys, path, host in CASES:
        make_environ = environ_for(path, host)
        apps = {"direct": ok_app, "cravat": cravat_map(cravat_keys)}
        if paste_keys is not None:
            apps["paste"] = paste_map(paste_keys)
        for label, app in apps.items():
            check(app, make_environ, found=label == "direct" or "404" not in name)
            time_batch(app, make_environ, opts.batch // 10)  # warm up
        samples = {label: [] for label in apps}
        order = list(apps)
        for rep in range(opts.reps):
            for label in order[rep % len(order):] + order[:rep % len(order)]:
                samples[label].append(time_batch(apps[label], make_environ, opts.batch))
        median = {label: statistics.median(values) for label, values in samples.items()}
        direct = median["direct"]
        cravat_over = median["cravat"] - direct
        if "paste" in median:
            paste_over = median["paste"] - direct
            ratio = f"{cravat_over / paste_over:7.2f}" if paste_over > 0 else "    n/a"
            print(f"{name:32} {direct:7.2f} {median['paste']:7.2f} {median['cravat']:7.2f} {paste_over:7.2f} "
                  f"{cravat_over:8.2f} {ratio}")
        else:
            print(f"{name:32} {direct:7.2f} {'-':>7} {median['cravat']:7.2f} {'-':>7} {cravat_over:8.2f} {'-':>7}")
    print("paste+/cravat+: the map's overhead over calling the app directly; ratio+: cravat+ / paste+")


if __name__ == "__main__":
    main()
