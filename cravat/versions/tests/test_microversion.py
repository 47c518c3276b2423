import pytest

from cravat.versions.microversion import APIVersion, VersionRange, follows


def test_versions_compare_numerically_not_as_text():
    assert APIVersion.parse("2.10") > APIVersion.parse("2.9")


def test_a_version_compares_with_a_string():
    version = APIVersion(2, 40)
    assert version >= "2.40" and version > "2.4" and version < "3.0" and version == "2.40"
    assert version != "2.41"


def test_a_version_prints_as_major_dot_minor():
    assert str(APIVersion.parse("2.01")) == "2.1"


@pytest.mark.parametrize("text", ["2", "2.x", "latest", " 2.1", "2. 1", "-1.0", "2.1.3", ""])
def test_malformed_versions_are_refused_naming_the_text(text):
    with pytest.raises(ValueError, match="is not of the form X.Y"):
        APIVersion.parse(text)


def test_a_range_contains_its_ends():
    r = VersionRange.parse("2.1", "2.39")
    assert r.contains(APIVersion(2, 1)) and r.contains(APIVersion(2, 39))
    assert not r.contains(APIVersion(2, 40))


def test_an_open_range_reaches_the_latest():
    assert VersionRange.parse("2.40").contains(APIVersion(9, 99))
    assert str(VersionRange.parse("2.40")) == "2.40-latest"


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="2.5-2.1 ends before it starts"):
        VersionRange.parse("2.5", "2.1")


@pytest.mark.parametrize(("earlier", "later", "expected"), [
    (("2.1", "2.39"), ("2.40", None), True),
    (("1.1", "1.9"), ("2.0", None), True),
    (("2.1", "2.39"), ("2.41", None), False),
    (("2.1", None), ("2.40", None), False),
])
def test_follows_means_no_version_between(earlier, later, expected):
    assert follows(VersionRange.parse(*earlier), VersionRange.parse(*later)) is expected
