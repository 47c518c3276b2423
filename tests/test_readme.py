"""The README's Python examples run as they are written, and do what the README says."""

import re
from pathlib import Path

import pytest

import cravat
from cravat.testing import Client

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


@pytest.fixture(autouse=True)
def _in_the_checkout(monkeypatch):
    """The examples' relative paths (examples/qtip) are the checkout's, as a reader runs them."""
    monkeypatch.chdir(ROOT)


def run(block):
    # A reader has `import cravat` from the first example when reading the later ones.
    namespace = {"__name__": "readme_example", "cravat": cravat}
    exec(compile(block, "README.md", "exec"), namespace)
    return namespace


def test_the_readme_has_its_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_example_builds(index):
    namespace = run(BLOCKS[index])
    for value in namespace.values():
        if hasattr(value, "compile") and hasattr(value, "route_table"):
            value.compile()


def test_the_first_example_serves_what_its_comments_say():
    client = Client(run(BLOCKS[0])["application"])
    assert client.get("/servers").json == {"servers": []}
    assert client.get("/ping").json == {"ping": "pong"}
    created = client.post("/servers", json={"server": {"name": "web"}})
    assert created.status_code == 202 and created.headers["Location"].endswith("/servers/42")
    assert client.get("/servers/7").status_code == 404
    assert client.post("/servers/7/action", json={"os-start": None}).status_code == 202
    assert client.get("/servers/detail").json == {"servers": []}
    assert client.get("/0af3/servers").status_code == 200


def test_the_kernel_example_binds_negotiates_and_maps_errors():
    api = run(next(b for b in BLOCKS if "add_error_handler" in b))["api"]
    client = Client(api)
    assert client.get("/keys?limit=5", headers={"X-Auth-Token": "t"}).json == {
        "keys": [], "limit": 5, "authenticated": True}
    assert client.get("/keys/7").json == {"key": {"id": 7}}
    assert client.get("/keys/7", headers={"Accept": "application/octet-stream"}).body == b"\x07"
    assert client.get("/keys/7", headers={"Accept": "text/html"}).status_code == 406
    missing = client.get("/keys/101")
    assert (missing.status_code, missing.json["description"]) == (404, "Key 101 not found.")
    assert client.get("/keys/seven").status_code == 404


def test_the_spec_first_example_serves_both_base_paths():
    namespace = run(next(b for b in BLOCKS if "cravat.openapi.App(" in b))
    client = Client(namespace["application"])
    for base in ("/v1.0", "/v2.0"):
        assert client.get(f"{base}/plans").status_code == 200
    assert client.get("/v1.0/plans/nope").status_code == 404


def test_the_microversion_example_negotiates():
    namespace = run(next(b for b in BLOCKS if "Microversions(" in b))
    client = Client(namespace["api"])
    response = client.get("/", headers={"OpenStack-API-Version": "compute 2.40"})
    assert response.status_code == 200
    assert response.json["version"]["version"] == "2.90"
