"""What a correct benchmark app answers, and calling an app as a WSGI server would."""

import io
import json
from dataclasses import dataclass, replace
from wsgiref.util import setup_testing_defaults

from bench.apps.server_schema import (
    INVALID_BODY,
    INVALID_FIELD,
    VALID_BODY,
    VERSION_HEADER,
)

ITEM_ID = "8c2b2f1e-6f4d-4d36-9c8e-2f5b0f7f4a10"  # ids are UUIDs in the field


# --- requests and what a correct app answers ------------------------------

@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: object = None  # sent as JSON when not None
    headers: tuple = ()  # extra (environ key, value) pairs
    label: str = ""  # tells apart requests to one path: "invalid body"

    def __str__(self):
        text = f"{self.method} {self.path}"
        return f"{text} ({self.label})" if self.label else text


@dataclass(frozen=True)
class Expect:
    status: int
    json: object = None          # the exact JSON body, when given
    empty: bool = False          # no body at all (204, 202)
    allow: frozenset = frozenset()  # methods the Allow header must list
    mentions: str = ""           # text a JSON body must contain
    headers: tuple = ()          # (name, value) pairs the answer must carry


@dataclass
class Response:
    status: int
    headers: dict  # lower-cased names
    body: bytes


def api_checks(n):
    """Every (request, expectation) an app built with make_app(n) must meet."""
    checks = [(Request("GET", "/ping"), Expect(200, json={"ping": "pong"}))]
    for name in dict.fromkeys(("r0", f"r{n - 1}")):  # first and last
        col, item = f"/v1/{name}", f"/v1/{name}/{ITEM_ID}"
        checks += [
            (Request("GET", col), Expect(200, json={"items": []})),
            (Request("POST", col, {"name": "a"}),
             Expect(201, json={"name": "a"})),
            (Request("GET", item),
             Expect(200, json={"id": ITEM_ID, "name": name})),
            (Request("PUT", item, {"name": "b"}),
             Expect(200, json={"name": "b"})),
            (Request("DELETE", item), Expect(204, empty=True)),
            (Request("POST", item + "/action", {"reboot": None}),
             Expect(202, empty=True)),
        ]
    checks += [
        (Request("PATCH", f"/v1/r{n - 1}/abc"),
         Expect(405, allow=frozenset({"GET", "PUT", "DELETE"}))),
        (Request("GET", "/nope/at/all"), Expect(404)),
    ]
    return checks


def validated_checks(n, focus=False):
    """What an app built with make_validated_app(n) must answer.

    The API of api_checks, every request asking for microversion 2.40, with
    create checking SERVER_SCHEMA: the valid body echoed with 201, the
    invalid one a JSON 400 about the uuid format. For the framework under
    test (`focus`) the 400 must name the field, and every answer, faults
    included, must say it speaks 2.40.
    """
    version = (VERSION_HEADER,)
    spoken = (("OpenStack-API-Version", "compute 2.40"),) if focus else ()
    # api_checks less its create (POST /v1/r{i}), which now needs a server.
    checks = [(req, exp) for req, exp in api_checks(n)
              if not (req.method == "POST" and req.path.count("/") == 2)]
    for name in dict.fromkeys(("r0", f"r{n - 1}")):
        valid, invalid = create_requests(name)
        checks += [(valid, Expect(201, json=VALID_BODY)),
                   (invalid, Expect(400, mentions=INVALID_FIELD if focus
                                    else "uuid"))]
    return [(replace(req, headers=version), replace(exp, headers=spoken))
            for req, exp in checks]


def create_requests(name):
    """The valid and the invalid validated create of resource `name`."""
    path, version = f"/v1/{name}", (VERSION_HEADER,)
    return (Request("POST", path, VALID_BODY, version, "valid body"),
            Request("POST", path, INVALID_BODY, version, "invalid body"))


@dataclass(frozen=True)
class Scenario:
    name: str
    n: int
    request: Request
    expect: Expect
    validated: bool = False  # served by make_validated_app(n), not make_app


def scenarios():
    show = lambda n: Scenario(  # noqa: E731
        f"show N={n}", n, Request("GET", f"/v1/r{n - 1}/{ITEM_ID}"),
        Expect(200, json={"id": ITEM_ID, "name": f"r{n - 1}"}))
    return [
        Scenario("ping N=10", 10, Request("GET", "/ping"),
                 Expect(200, json={"ping": "pong"})),
        show(10), show(100), show(1000),
        Scenario("405 N=1000", 1000, Request("PATCH", "/v1/r999/abc"),
                 Expect(405, allow=frozenset({"GET", "PUT", "DELETE"}))),
        Scenario("404 N=1000", 1000, Request("GET", "/nope/at/all"),
                 Expect(404)),
    ] + validated_scenarios()


def validated_scenarios():
    """Issue #4: a ~1 KB Nova server create, checked against SERVER_SCHEMA."""
    out = []
    for n in (10, 1000):
        valid, invalid = create_requests(f"r{n - 1}")
        out += [
            Scenario(f"create valid N={n}", n, valid,
                     Expect(201, json=VALID_BODY), validated=True),
            Scenario(f"create invalid N={n}", n, invalid,
                     Expect(400, mentions="uuid"), validated=True),
        ]
    return out


# --- calling a WSGI app as a server would ----------------------------------

def base_environ(request):
    """The environ of `request`, built once; each call sends a copy."""
    environ = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8774",
        # API clients (novaclient, openstacksdk) ask for JSON; it also lets
        # Falcon and webob render their errors as JSON on their own.
        "HTTP_ACCEPT": "application/json",
    }
    if request.body is not None:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(json.dumps(request.body)))
    environ.update(request.headers)
    setup_testing_defaults(environ)
    return environ


def environ_factory(request):
    """A no-argument callable returning a fresh environ for each call."""
    base = base_environ(request)
    if request.body is None:
        return base.copy
    payload = json.dumps(request.body).encode()

    def make():
        environ = base.copy()
        environ["wsgi.input"] = io.BytesIO(payload)
        return environ
    return make


def _discard_start_response(status, headers, exc_info=None):
    return _discard_write


def _discard_write(data):
    pass


def call(app, request):
    """Send one request and collect the whole response."""
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers
        return _discard_write

    result = app(environ_factory(request)(), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    headers = {k.lower(): v for k, v in got["headers"]}
    return Response(int(got["status"][:3]), headers, body)


def problem(app, request, expect):
    """What is wrong with the app's answer to `request`, or None."""
    try:
        resp = call(app, request)
    except Exception as e:  # a broken app is reported, not fatal
        return f"{request}: raised {type(e).__name__}: {e}"
    if resp.status != expect.status:
        return f"{request}: status {resp.status}, expected {expect.status}"
    if expect.json is not None or expect.mentions:
        if not resp.headers.get("content-type", "").startswith(
                "application/json"):
            return (f"{request}: content-type "
                    f"{resp.headers.get('content-type')!r}, expected JSON")
        try:
            body = json.loads(resp.body)
        except ValueError:
            return f"{request}: body is not JSON: {resp.body[:80]!r}"
        if expect.json is not None and body != expect.json:
            return f"{request}: body {body!r}, expected {expect.json!r}"
        if expect.mentions not in json.dumps(body):
            return (f"{request}: body {resp.body[:200]!r} does not mention "
                    f"{expect.mentions!r}")
    if expect.empty and resp.body:
        return f"{request}: body {resp.body[:80]!r}, expected none"
    if expect.allow:
        allow = {m.strip() for m in resp.headers.get("allow", "").split(",")}
        if not expect.allow <= allow or request.method in allow:
            return (f"{request}: Allow {resp.headers.get('allow')!r}, "
                    f"expected {', '.join(sorted(expect.allow))}")
    for name, value in expect.headers:
        if resp.headers.get(name.lower()) != value:
            return (f"{request}: {name} {resp.headers.get(name.lower())!r}, "
                    f"expected {value!r}")
    return None


def check_app(name, app, n=10):
    """Problems with `app` (built by make_app(n)) serving the API; [] if none.

    >>> check_app("raw", load("raw").make_app(10))
    []
    """
    return [f"{name}: {p}" for p in
            (problem(app, req, exp) for req, exp in api_checks(n)) if p]


def check_validated_app(name, app, n=10, focus=None):
    """Problems with `app` (built by make_validated_app(n)); [] if none.

    `focus` (default: whether `name` is "cravat") adds the checks only the
    framework under test is held to: the 400 names the field, and every
    answer carries the negotiated OpenStack-API-Version.

    >>> check_validated_app("cravat", load("cravat").make_validated_app(10))
    []
    """
    focus = name == "cravat" if focus is None else focus
    return [f"{name}: {p}" for p in
            (problem(app, req, exp) for req, exp in validated_checks(n, focus))
            if p]
