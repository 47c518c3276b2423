import pytest

from cravat.http.errors import HTTPError
from cravat.versions.microversion import APIVersion
from cravat.versions.negotiation import Microversions, Negotiator

COMPUTE = Microversions("compute", "2.1", "2.90", legacy_header="X-OpenStack-Nova-API-Version")


def negotiate(header=None, legacy=None, settings=COMPUTE):
    environ = {}
    if header is not None:
        environ["HTTP_OPENSTACK_API_VERSION"] = header
    if legacy is not None:
        environ["HTTP_X_OPENSTACK_NOVA_API_VERSION"] = legacy
    return Negotiator(settings).negotiate(environ)


def refused(header=None, legacy=None):
    with pytest.raises(HTTPError) as info:
        negotiate(header, legacy)
    return info.value.status, info.value.message


def test_no_header_means_the_minimum():
    assert negotiate() == APIVersion(2, 1)


def test_the_default_version_is_configurable():
    assert negotiate(settings=Microversions("compute", "2.1", "2.90", default_version="2.5")) == "2.5"


def test_the_standard_header_names_the_version():
    assert negotiate("compute 2.40") == "2.40"


def test_latest_means_the_maximum():
    assert negotiate("compute latest") == "2.90"


def test_the_service_type_is_case_insensitive_and_outer_spaces_do_not_matter():
    assert negotiate("Compute  latest ") == "2.90"


def test_other_services_in_the_header_are_skipped():
    assert negotiate("identity 3.0, compute 2.3") == "2.3"


def test_the_legacy_header_is_read_when_the_standard_one_is_absent():
    assert negotiate(legacy="2.5") == "2.5"


def test_the_standard_header_wins_over_the_legacy_one():
    assert negotiate("compute 2.7", legacy="2.5") == "2.7"


def test_a_version_out_of_range_is_406_with_novas_message():
    assert refused("compute 3.0") == (406, "Version 3.0 is not supported by the API. Minimum is 2.1 and "
                                           "maximum is 2.90.")


def test_a_malformed_version_is_400_naming_it():
    status, message = refused("compute 2.x")
    assert status == 400 and "'2.x' is malformed" in message


def test_a_header_naming_only_another_service_is_400():
    status, message = refused("key-manager 1.1")
    assert status == 400 and "names no version for service type 'compute'" in message


def test_two_versions_for_the_service_are_400():
    status, message = refused("compute 2.1, compute 2.2")
    assert status == 400 and "names 2 versions for 'compute'" in message


def test_latest_with_a_space_inside_is_400():
    status, message = refused("compute la test")
    assert status == 400 and "'la test' is malformed" in message


def test_an_entry_without_a_version_is_400():
    status, message = refused("compute")
    assert status == 400 and "entry 'compute' is not '<service type> <version>'" in message


def test_two_versions_in_the_legacy_header_are_400():
    status, message = refused(legacy="2.1, 2.2")
    assert status == 400 and "more than one version" in message


def test_a_refusal_is_remembered_and_repeated():
    negotiator = Negotiator(COMPUTE)
    for _ in range(2):
        with pytest.raises(HTTPError) as info:
            negotiator.negotiate({"HTTP_OPENSTACK_API_VERSION": "compute 9.9"})
        assert info.value.status == 406


def test_the_cache_of_header_values_is_bounded():
    negotiator = Negotiator(COMPUTE)
    for minor in range(1, 91):
        for spaces in range(20):
            negotiator.negotiate({"HTTP_OPENSTACK_API_VERSION": "compute" + " " * (spaces + 1) + f"2.{minor}"})
    assert len(negotiator._cache) <= 1024


def test_answers_carry_the_version_in_every_header_and_vary():
    headers = Negotiator(COMPUTE).headers(APIVersion(2, 3))
    assert headers == (("OpenStack-API-Version", "compute 2.3"), ("X-OpenStack-Nova-API-Version", "2.3"),
                       ("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version"))


def test_without_a_legacy_header_only_the_standard_one_is_sent():
    headers = Negotiator(Microversions("key-manager", "1.0", "1.1")).headers(APIVersion(1, 1))
    assert headers == (("OpenStack-API-Version", "key-manager 1.1"), ("Vary", "OpenStack-API-Version"))


@pytest.mark.parametrize(("settings", "complaint"), [
    ({"min_version": "2.5", "max_version": "2.1"}, "max 2.1 is below min 2.5"),
    ({"default_version": "3.0"}, "default 3.0 is outside"),
    ({"unavailable_status": 410}, "unavailable_status must be 404 or 406"),
    ({"min_version": "two"}, "is not of the form X.Y"),
])
def test_bad_settings_are_refused(settings, complaint):
    with pytest.raises(ValueError, match=complaint):
        Microversions(**{"service_type": "compute", "min_version": "2.1", "max_version": "2.90", **settings})


def test_an_empty_header_is_no_header():
    assert negotiate("") == "2.1"


def test_a_malformed_entry_of_another_service_is_not_ours_to_refuse():
    assert negotiate("identity, compute 2.5") == "2.5"
