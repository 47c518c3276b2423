import pytest

import cravat
from cravat.testing import Client
from cravat.versions.discovery import VersionDetail, VersionInfo, VersionList
from cravat.versions.negotiation import Microversions

KEY_MANAGER = Microversions("key-manager", "1.0", "1.1")
V1 = VersionInfo.of("v1", KEY_MANAGER, updated="2021-02-10T00:00:00Z",
                    media_type="application/vnd.openstack.key-manager-v1+json")
V21 = VersionInfo.of("v2.1", Microversions("compute", "2.1", "2.90"), updated="2013-07-23T11:33:21Z")


def root(style, info, microversions=None):
    api = cravat.API(microversions=microversions)
    api.route("/", VersionList([info], style=style))
    return Client(api, base_url="http://api.test:9311")


def test_nova_lists_versions_with_200_and_version_fields():
    response = root("nova", V21).get("/")
    assert response.status_code == 200
    (entry,) = response.json["versions"]
    assert (entry["id"], entry["status"], entry["version"], entry["min_version"]) == ("v2.1", "CURRENT", "2.90", "2.1")
    assert entry["links"][0] == {"rel": "self", "href": "http://api.test:9311/v2.1/"}


def test_barbican_lists_versions_with_300_in_the_legacy_shape_at_the_first_microversion():
    response = root("barbican", V1, KEY_MANAGER).get("/")
    assert response.status_code == 300
    (entry,) = response.json["versions"]["values"]
    assert entry["status"] == "stable"
    assert entry["media-types"] == [{"base": "application/json",
                                     "type": "application/vnd.openstack.key-manager-v1+json"}]
    assert "max_version" not in entry


def test_barbican_lists_microversions_from_the_next_one_on():
    response = root("barbican", V1, KEY_MANAGER).get("/", headers={"OpenStack-API-Version": "key-manager 1.1"})
    assert response.status_code == 300
    (entry,) = response.json["versions"]
    assert (entry["status"], entry["min_version"], entry["max_version"]) == ("CURRENT", "1.0", "1.1")


def test_the_status_code_can_be_chosen():
    api = cravat.API()
    api.route("/", VersionList([V21], multiple_choices=True))
    assert Client(api).get("/").status_code == 300


def test_one_version_describes_itself_at_its_own_root():
    api = cravat.API()
    api.route("/", VersionDetail(V21))
    response = Client(api).get("/", environ={"SCRIPT_NAME": "/v2.1"})
    version = response.json["version"]
    assert version["id"] == "v2.1"
    assert version["links"][0]["href"] == "http://127.0.0.1/v2.1/"
    assert version["links"][1]["rel"] == "describedby"


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="status 'stable' is not one of CURRENT"):
        VersionInfo("v1", status="stable")


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="discovery style 'glance'"):
        VersionList([V1], style="glance")
