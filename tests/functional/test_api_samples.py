"""API samples of the compute example: recorded from a real server, replayed against one on every run.

Each scenario below is a few requests; its sample file in
``examples/compute_samples/`` holds the requests and the responses they
got, with ids and the server's address as placeholders. Every run replays
each file against a fresh server and fails on any drift (a field added or
gone, a status changed), as Nova's api_samples tests do; the documents
``cravat openapi examples.compute:app --samples examples/compute_samples``
writes take their examples from these files, so they cannot drift either.

Recording them again after a deliberate change::

    CRAVAT_GENERATE_SAMPLES=1 .venv/bin/python -m pytest tests/functional/test_api_samples.py
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cravat.openapi.samples import Drift, Step, load_samples, record, replay, write_sample
from examples.compute import build_app

SAMPLES = Path(__file__).resolve().parents[2] / "examples" / "compute_samples"
GENERATE = os.environ.get("CRAVAT_GENERATE_SAMPLES") == "1"
IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"

SCENARIOS: dict[str, tuple[str, list[Step]]] = {
    "servers-create-v2.1": ("Create a server by name (2.1-2.4: 202), then show it.", [
        Step("servers:create", "POST", "/servers", {"server": {"name": "web-1"}}, version="2.1"),
        Step("servers:show", "GET", "/servers/%(uuid1)s", version="2.1"),
    ]),
    "servers-create-v2.5": ("Create a server from an image and a flavor (2.5 on: 201), then show it.", [
        Step("servers:create", "POST", "/servers", {"server": {
            "name": "db-1", "imageRef": IMAGE, "flavorRef": "1", "metadata": {"role": "db"}}}, version="2.5"),
        Step("servers:show", "GET", "/servers/%(uuid1)s", version="2.5"),
    ]),
    "servers-list": ("List servers, by name and with a limit, and in detail.", [
        Step("servers:create", "POST", "/servers", {"server": {"name": "a"}}, version="2.1"),
        Step("servers:create", "POST", "/servers", {"server": {"name": "b"}}, version="2.1"),
        Step("servers:index", "GET", "/servers?name=b", version="2.1"),
        Step("servers:index", "GET", "/servers?limit=1", version="2.1"),
        Step("servers:detail", "GET", "/servers/detail", version="2.3"),
    ]),
    "servers-actions": ("Stop a server, stop it again (409), start it: actions at POST /servers/{id}/action.", [
        Step("servers:create", "POST", "/servers", {"server": {"name": "app-1"}}, version="2.1"),
        Step("servers:stop", "POST", "/servers/%(uuid1)s/action", {"os-stop": None}, version="2.1"),
        Step("servers:stop", "POST", "/servers/%(uuid1)s/action", {"os-stop": None}, version="2.1"),
        Step("servers:start", "POST", "/servers/%(uuid1)s/action", {"os-start": None}, version="2.1"),
    ]),
    "servers-update-delete": ("Rename a server, delete it, and find it gone.", [
        Step("servers:create", "POST", "/servers", {"server": {"name": "old"}}, version="2.1"),
        Step("servers:update", "PUT", "/servers/%(uuid1)s", {"server": {"name": "new"}}, version="2.1"),
        Step("servers:delete", "DELETE", "/servers/%(uuid1)s", version="2.1"),
        Step("servers:show", "GET", "/servers/%(uuid1)s", version="2.1"),
    ]),
    "server-ips": ("A server's addresses, all and by network.", [
        Step("servers:create", "POST", "/servers", {"server": {"name": "net-1"}}, version="2.1"),
        Step("ips:index", "GET", "/servers/%(uuid1)s/ips", version="2.1"),
        Step("ips:show", "GET", "/servers/%(uuid1)s/ips/private", version="2.1"),
    ]),
    "version-root": ("The version document at the API's root.", [
        Step("root:get", "GET", "/", version="2.1"),
    ]),
}


def sender(client: Any):
    def send(method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        response = client.request(method, path, **kwargs)
        answer = response.json() if response.body and "json" in (response.content_type or "") else None
        return response.status, dict(response.headers.items()), answer

    return send


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_api_sample_still_matches_the_live_service(serve, name):
    description, steps = SCENARIOS[name]
    client = serve(build_app())
    if GENERATE:
        write_sample(SAMPLES, record(name, steps, sender(client), client.base_url.rstrip("/"), description))
    samples = {s.name: s for s in load_samples(SAMPLES)}
    assert name in samples, f"no sample {name}.json in {SAMPLES}; record it with CRAVAT_GENERATE_SAMPLES=1"
    sample = samples[name]
    assert [(e.operation, e.request["method"]) for e in sample.exchanges] == \
        [(s.operation, s.method) for s in steps], f"{name}.json records other requests than its scenario; record it"
    if GENERATE:  # replayed on a fresh service: what was recorded must hold there too
        client = serve(build_app())
    replay(sample, sender(client), client.base_url.rstrip("/"))


def test_every_sample_file_has_its_scenario():
    assert sorted(s.name for s in load_samples(SAMPLES)) == sorted(SCENARIOS)


def test_a_drifted_response_is_reported_naming_the_sample_exchange_and_field(serve):
    (sample,) = [s for s in load_samples(SAMPLES) if s.name == "servers-create-v2.1"]
    sample.exchanges[1].response["body"]["server"]["colour"] = "red"  # a field the service does not answer
    client = serve(build_app())
    with pytest.raises(Drift, match=r"sample servers-create-v2.1, exchange 2 \(GET /servers/%\(uuid1\)s\): "
                                    r"body.server: keys"):
        replay(sample, sender(client), client.base_url.rstrip("/"))
