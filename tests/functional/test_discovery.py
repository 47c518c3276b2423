"""Version discovery, through HTTP: ``GET /`` lists versions, ``GET /{version}/`` describes one.

The versions list is served at ``/`` and the API at ``/v2.1`` (``/v1`` for
the key manager) by a small composite that moves the prefix to SCRIPT_NAME,
as a paste urlmap does. keystoneauth, the discovery code python-barbicanclient
and openstacksdk use, must read both styles of document.
"""

from __future__ import annotations

import pytest
import requests
from keystoneauth1 import adapter, discover, noauth, session

import cravat
from examples.compute import MICROVERSIONS, VERSION, build_app, build_versions_app

KEY_MANAGER = cravat.Microversions("key-manager", "1.0", "1.1")
V1 = cravat.VersionInfo.of("v1", KEY_MANAGER, updated="2015-04-28T00:00:00Z",
                           media_type="application/vnd.openstack.key-manager-v1+json")
V20 = cravat.VersionInfo("v2.0", status="SUPPORTED", updated="2011-01-21T11:33:21Z")
IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"


def mount(apps):
    """A composite: the longest matching prefix takes the request, the prefix moving to SCRIPT_NAME."""
    prefixes = sorted(apps, key=len, reverse=True)

    def composite(environ, start_response):
        path = environ.get("PATH_INFO", "")
        for prefix in prefixes:
            if path == prefix or path.startswith(prefix + "/") or not prefix:
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[len(prefix):]
                return apps[prefix](environ, start_response)
        start_response("404 Not Found", [("Content-Length", "0")])
        return []

    return composite


def compute_site():
    return mount({"": build_versions_app(), "/v2.1": build_app()})


def key_manager_site():
    versions = cravat.API(error_style="barbican", microversions=KEY_MANAGER)
    versions.route("/", cravat.VersionList([V1], style="barbican"))
    api = cravat.API(error_style="barbican", microversions=KEY_MANAGER)
    api.route("/", cravat.VersionDetail(V1, style="barbican"))
    return mount({"": versions, "/v1": api})


@pytest.fixture(scope="module")
def compute(serve):
    return serve(compute_site())


@pytest.fixture(scope="module")
def nested(serve):
    """The compute site mounted under /compute of another composite."""
    return serve(mount({"/compute": compute_site()}))


@pytest.fixture(scope="module")
def two_versions(serve):
    versions = cravat.API(error_style="nova", microversions=MICROVERSIONS)
    versions.route("/", cravat.VersionList([V20, VERSION]))
    return serve(versions)


@pytest.fixture(scope="module")
def mapped(serve):
    """The compute site behind cravat's own URL map (what a paste file's urlmap composite builds)."""
    from cravat.deploy.urlmap import URLMap

    return serve(URLMap([("/", build_versions_app()), ("/v2.1", build_app())]))


@pytest.fixture(scope="module")
def key_manager(serve):
    return serve(key_manager_site())


@pytest.fixture(scope="module")
def ks():
    """A keystoneauth session without authentication, ignoring any proxy settings."""
    http = requests.Session()
    http.trust_env = False
    return session.Session(session=http, timeout=5)


@pytest.fixture(scope="module")
def ks_noauth():
    http = requests.Session()
    http.trust_env = False
    return session.Session(auth=noauth.NoAuth(), session=http, timeout=5)


def km(version):
    return {"OpenStack-API-Version": f"key-manager {version}"}


# Nova style: GET / and GET /v2.1/.

def test_the_root_lists_versions_with_200(compute):
    response = compute.get("/")
    assert response.status == 200
    assert [v["id"] for v in response.json()["versions"]] == ["v2.1"]


def test_a_listed_version_gives_its_status_microversions_and_update_time(compute):
    (entry,) = compute.get("/").json()["versions"]
    assert entry["status"] == "CURRENT"
    assert entry["min_version"] == "2.1"
    assert entry["version"] == "2.10"
    assert entry["updated"] == VERSION.updated


def test_a_listed_version_names_its_media_type(compute):
    (entry,) = compute.get("/").json()["versions"]
    assert entry["media-types"] == [{"base": "application/json",
                                     "type": "application/vnd.openstack.compute+json;version=2.1"}]


def test_a_listed_version_links_to_its_root_absolutely(compute):
    (entry,) = compute.get("/").json()["versions"]
    assert {"rel": "self", "href": f"{compute.base_url}/v2.1/"} in entry["links"]


def test_links_follow_the_host_the_client_asked_for(compute):
    (entry,) = compute.get("/", headers={"Host": "compute.example.com:8774"}).json()["versions"]
    assert {"rel": "self", "href": "http://compute.example.com:8774/v2.1/"} in entry["links"]


def test_links_follow_the_script_name(nested):
    (entry,) = nested.get("/compute/").json()["versions"]
    assert {"rel": "self", "href": f"{nested.base_url}/compute/v2.1/"} in entry["links"]


def test_an_entry_without_microversions_leaves_them_empty(two_versions):
    old, current = two_versions.get("/").json()["versions"]
    assert (old["id"], old["status"], old["version"], old["min_version"]) == ("v2.0", "SUPPORTED", "", "")
    assert (current["id"], current["version"]) == ("v2.1", "2.10")


def test_the_version_root_describes_its_version(compute):
    response = compute.get("/v2.1/")
    assert response.status == 200
    version = response.json()["version"]
    assert (version["id"], version["status"], version["min_version"], version["version"]) == \
        ("v2.1", "CURRENT", "2.1", "2.10")
    assert {"rel": "self", "href": f"{compute.base_url}/v2.1/"} in version["links"]


def test_the_version_root_answers_without_the_trailing_slash(compute):
    response = compute.get("/v2.1")
    assert response.status == 200
    assert response.json()["version"]["id"] == "v2.1"


def test_the_version_root_follows_the_host_and_script_name(nested):
    version = nested.get("/compute/v2.1/", headers={"Host": "api.example.com"}).json()["version"]
    assert {"rel": "self", "href": "http://api.example.com/compute/v2.1/"} in version["links"]


def test_discovery_documents_name_the_version_they_speak(compute):
    response = compute.get("/", headers={"OpenStack-API-Version": "compute 2.4"})
    assert response.headers["OpenStack-API-Version"] == "compute 2.4"
    assert "OpenStack-API-Version" in response.headers["Vary"]


def test_the_api_beside_the_versions_links_its_resources_under_its_prefix(compute):
    response = compute.post("/v2.1/servers", json={"server": {"name": "linked"}})
    assert response.status == 202
    server_id = response.json()["server"]["id"]
    assert response.headers["Location"] == f"{compute.base_url}/v2.1/servers/{server_id}"


# Barbican style: 300, the legacy shape at the first microversion, the new one after.

def test_the_key_manager_root_answers_300_in_the_legacy_shape_without_a_version(key_manager):
    response = key_manager.get("/")
    assert response.status == 300
    (entry,) = response.json()["versions"]["values"]
    assert (entry["id"], entry["status"], entry["updated"]) == ("v1", "stable", V1.updated)
    assert {"rel": "self", "href": f"{key_manager.base_url}/v1/"} in entry["links"]
    assert "min_version" not in entry and "max_version" not in entry


def test_the_key_manager_root_keeps_the_legacy_shape_at_the_first_microversion(key_manager):
    response = key_manager.get("/", headers=km("1.0"))
    assert response.status == 300
    assert "values" in response.json()["versions"]


def test_the_key_manager_root_answers_the_new_shape_from_the_next_microversion(key_manager):
    response = key_manager.get("/", headers=km("1.1"))
    assert response.status == 300
    (entry,) = response.json()["versions"]
    assert (entry["id"], entry["status"], entry["min_version"], entry["max_version"]) == \
        ("v1", "CURRENT", "1.0", "1.1")
    assert {"rel": "self", "href": f"{key_manager.base_url}/v1/"} in entry["links"]


def test_the_key_manager_root_answers_the_new_shape_at_latest(key_manager):
    assert isinstance(key_manager.get("/", headers=km("latest")).json()["versions"], list)


def test_the_key_manager_version_root_is_legacy_at_the_first_microversion(key_manager):
    response = key_manager.get("/v1/")
    assert response.status == 200
    version = response.json()["version"]
    assert (version["id"], version["status"]) == ("v1", "stable")
    assert {"rel": "self", "href": f"{key_manager.base_url}/v1/"} in version["links"]


def test_the_key_manager_version_root_gives_microversions_from_the_next(key_manager):
    version = key_manager.get("/v1/", headers=km("1.1")).json()["version"]
    assert (version["status"], version["min_version"], version["max_version"]) == ("CURRENT", "1.0", "1.1")


# keystoneauth reads what cravat serves.

def test_keystoneauth_reads_the_nova_style_list(compute, ks):
    (entry,) = discover.get_version_data(ks, compute.base_url + "/")
    assert (entry["id"], entry["status"], entry["min_version"], entry["version"]) == \
        ("v2.1", "CURRENT", "2.1", "2.10")


def test_keystoneauth_discover_reports_the_microversion_range(compute, ks):
    (data,) = discover.Discover(ks, compute.base_url + "/").version_data()
    assert data["version"] == (2, 1)
    assert data["min_microversion"] == (2, 1)
    assert data["max_microversion"] == (2, 10)
    assert data["status"] == "CURRENT"
    assert data["url"] == compute.base_url + "/v2.1/"


def test_keystoneauth_discover_reads_the_version_root(compute, ks):
    (data,) = discover.Discover(ks, compute.base_url + "/v2.1/").version_data()
    assert (data["version"], data["min_microversion"], data["max_microversion"]) == ((2, 1), (2, 1), (2, 10))


def test_keystoneauth_finds_the_url_of_a_major_version(compute, ks):
    assert discover.Discover(ks, compute.base_url + "/").url_for("2") == compute.base_url + "/v2.1/"


def test_keystoneauth_reads_an_old_version_without_microversions(two_versions, ks):
    old, current = discover.Discover(ks, two_versions.base_url + "/").version_data()
    assert (old["version"], old["min_microversion"], old["max_microversion"]) == ((2, 0), None, None)
    assert (current["version"], current["max_microversion"]) == ((2, 1), (2, 10))


def test_keystoneauth_endpoint_data_reports_the_microversion_range(compute, ks_noauth):
    api = adapter.Adapter(ks_noauth, service_type="compute", endpoint_override=compute.base_url + "/v2.1/")
    data = api.get_endpoint_data()
    assert (data.api_version, data.min_microversion, data.max_microversion) == ((2, 1), (2, 1), (2, 10))


def test_a_keystoneauth_client_negotiates_and_speaks_a_microversion(compute, ks_noauth):
    api = adapter.Adapter(ks_noauth, service_type="compute", endpoint_override=compute.base_url + "/v2.1/")
    data = api.get_endpoint_data()
    client_max = (2, 7)
    chosen = discover.version_to_string(min(client_max, data.max_microversion))
    server = {"name": "negotiated", "imageRef": IMAGE, "flavorRef": "1"}
    response = api.post("/servers", json={"server": server}, microversion=chosen)
    assert response.status_code == 201
    assert response.headers["OpenStack-API-Version"] == "compute 2.7"
    assert response.headers["X-OpenStack-Nova-API-Version"] == "2.7"


def test_keystoneauth_discovers_through_the_url_map(mapped, ks):
    (data,) = discover.Discover(ks, mapped.base_url + "/").version_data()
    assert data["url"] == mapped.base_url + "/v2.1/"
    (detail,) = discover.Discover(ks, data["url"]).version_data()
    assert (detail["min_microversion"], detail["max_microversion"]) == ((2, 1), (2, 10))


def test_keystoneauth_reads_the_barbican_style_list_with_a_version_header(key_manager, ks):
    (entry,) = discover.get_version_data(ks, key_manager.base_url + "/", version_header="key-manager latest")
    assert (entry["id"], entry["status"], entry["min_version"], entry["max_version"]) == \
        ("v1", "CURRENT", "1.0", "1.1")


def test_keystoneauth_discover_reads_the_barbican_legacy_list_as_v1_without_microversions(key_manager, ks):
    (data,) = discover.Discover(ks, key_manager.base_url + "/").version_data()
    assert data["version"] == (1, 0)
    assert data["status"] == "CURRENT"  # "stable", normalized
    assert (data["min_microversion"], data["max_microversion"]) == (None, None)
    assert data["url"] == key_manager.base_url + "/v1/"
