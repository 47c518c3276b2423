"""One key manager in-process: build it, check each scenario's answer, then time them. Prints JSON.

Run by bench/vs_barbican.py with each service's own interpreter (real Barbican
lives in its own virtual environment), so this file uses only the standard
library:

    python bench/barbican_inproc.py barbican RUN_DIR 200
    python bench/barbican_inproc.py cravat PASTE_FILE#NAME 200

Each request is a WSGI call with a fresh environ, as a server would make it.
Times are CPU seconds of the whole process (worker threads included), so an
order that a background worker finishes is charged to it.
"""

import io
import json
import os
import sys
import time

PROJECT = "bench-project"
#: The list scenario's project: the same LISTED secrets in both services, whatever the store scenario added
#: to PROJECT (the faster service stores more of them, and a list counts its project's secrets for `total`).
LIST_PROJECT = "bench-list-project"
LISTED = 100
HOST = "127.0.0.1:9311"
HEADERS = {"HTTP_X_PROJECT_ID": PROJECT, "HTTP_X_USER_ID": "bench-user", "HTTP_X_ROLES": "admin,creator,member"}


def build_barbican(run_dir):
    os.environ["HOME"] = run_dir  # Barbican reads ~/.barbican/barbican.conf at import time
    import webob
    from paste import deploy

    # Barbican 23's no-auth context reads req.request_id, which nothing sets (context.py:125).
    webob.request.BaseRequest.request_id = property(lambda self: self.environ.get("openstack.request_id"))
    return deploy.loadapp(f"config:{run_dir}/barbican-api-paste-noauth.ini"), None


def build_cravat(source):
    from cravat.api.lifecycle import collecting, start_all
    from cravat.deploy.pasteload import load_paste_app

    path, _, name = source.partition("#")
    with collecting() as lifecycles:
        app = load_paste_app(path, name=name or "main")
    start_all(lifecycles)
    return app, lifecycles


def call(app, method, path, body=None, accept="application/json", content_type="application/json", project=PROJECT):
    raw = json.dumps(body).encode() if isinstance(body, (dict, list)) else (body or b"")
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path.partition("?")[0], "QUERY_STRING": path.partition("?")[2],
        "SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "9311", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST, "HTTP_ACCEPT": accept, "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "REMOTE_ADDR": "127.0.0.1", **HEADERS, "HTTP_X_PROJECT_ID": project,
    }
    if raw:
        environ["CONTENT_TYPE"] = content_type
        environ["CONTENT_LENGTH"] = str(len(raw))
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status[:3])
        answer["headers"] = {k.lower(): v for k, v in headers}

    result = app(environ, start_response)
    try:
        payload = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return answer["status"], answer["headers"], payload


def ref_id(ref):
    return ref.rstrip("/").rsplit("/", 1)[-1]


SECRET = {"name": "bench", "payload": "a secret of thirty-two bytes....", "payload_content_type": "text/plain",
          "secret_type": "opaque"}
KEY_ORDER = {"type": "key", "meta": {"name": "bench-key", "algorithm": "aes", "bit_length": 256, "mode": "cbc",
                                     "payload_content_type": "application/octet-stream"}}


def scenarios(app):
    """(name, function doing one request and checking it) for each timed scenario."""
    status, _, body = call(app, "POST", "/v1/secrets", SECRET)
    if status != 201:
        raise SystemExit(f"setup: POST /v1/secrets answered {status}: {body[:300]!r}")
    secret = ref_id(json.loads(body)["secret_ref"])
    for i in range(LISTED):
        status, _, body = call(app, "POST", "/v1/secrets", {**SECRET, "name": f"listed-{i}"}, project=LIST_PROJECT)
        if status != 201:
            raise SystemExit(f"setup: POST /v1/secrets answered {status}: {body[:300]!r}")

    def store():
        status, _, body = call(app, "POST", "/v1/secrets", SECRET)
        assert status == 201 and b"secret_ref" in body, (status, body[:200])

    def metadata():
        status, _, body = call(app, "GET", f"/v1/secrets/{secret}")
        assert status == 200 and b"ACTIVE" in body and b"secret_ref" in body, (status, body[:200])

    def payload():
        status, _, body = call(app, "GET", f"/v1/secrets/{secret}/payload", accept="text/plain")
        assert status == 200 and body == SECRET["payload"].encode(), (status, body[:200])

    def listing():
        status, _, body = call(app, "GET", "/v1/secrets?limit=10", project=LIST_PROJECT)
        assert status == 200 and body.count(b"secret_ref") == 10 and json.loads(body)["total"] == LISTED, (
            status, body[:200])

    def key_order():
        status, _, body = call(app, "POST", "/v1/orders", KEY_ORDER)
        assert status == 202, (status, body[:200])
        order = ref_id(json.loads(body)["order_ref"])
        deadline = time.monotonic() + 10
        while True:
            status, _, body = call(app, "GET", f"/v1/orders/{order}")
            state = json.loads(body)["status"]
            if state == "ACTIVE":
                return
            assert state == "PENDING" and time.monotonic() < deadline, (status, body[:300])
            time.sleep(0.0005)

    return [("secret store", store), ("get metadata", metadata), ("get payload", payload),
            ("list of 10", listing), ("key order to ACTIVE", key_order)]


def main():
    target, source, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    started = time.process_time()
    app, lifecycles = (build_barbican if target == "barbican" else build_cravat)(source)
    built = time.process_time() - started
    results = {"build_cpu_s": built, "cpu_ms": {}, "wall_ms": {}, "broken": {}}
    try:
        for name, run in scenarios(app):
            try:
                for _ in range(min(20, count)):
                    run()  # warm up, and check the answer
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(count):
                    run()
                results["cpu_ms"][name] = (time.process_time() - cpu) / count * 1000
                results["wall_ms"][name] = (time.perf_counter() - wall) / count * 1000
            except AssertionError as exc:
                results["broken"][name] = f"unexpected answer: {exc}"[:400]
    finally:
        if lifecycles:
            from cravat.api.lifecycle import stop_all

            stop_all(lifecycles)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
