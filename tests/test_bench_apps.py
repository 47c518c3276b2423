"""The benchmark's apps must all serve the same API correctly, or their timings mean nothing."""

import pytest

from bench.checks import check_app
from bench.run import load

FRAMEWORKS = ["raw", "cravat", "falcon", "flask", "pecan", "routes"]


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_every_benchmark_app_answers_the_whole_api(name):
    app = load(name).make_app(10)
    assert check_app(name, app, n=10) == []


def test_the_check_catches_a_wrong_answer():
    def broken(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    assert check_app("broken", broken, n=10)


@pytest.mark.parametrize("name", ["raw", "cravat", "falcon", "flask"])
def test_every_validated_benchmark_app_validates_and_answers_the_whole_api(name):
    from bench.checks import check_validated_app

    assert check_validated_app(name, load(name).make_validated_app(10), n=10) == []
