"""API samples: request/response pairs recorded from a live service, replayed against it on every run.

As Nova's api_samples: a sample is a JSON file holding a short scenario,
exchanges of one request and the response it got, where what varies from
run to run (ids, the server's address) is a placeholder, ``%(uuid1)s`` or
``%(host)s``. Replaying sends each request (placeholders filled with what
earlier responses captured) and checks the response matches its template,
so a sample cannot drift from what the service does; the documents
:mod:`cravat.openapi.generate` writes take their examples from them.

>>> sample = record("server-create", exchanges, send)      # CRAVAT_GENERATE_SAMPLES=1
>>> replay(load_samples("examples/compute_samples")[0], send)   # every other run: raises Drift
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: ``send(method, path, headers, body) -> (status, headers, body)``: one HTTP exchange with the service.
Send = Callable[[str, str, dict[str, str], Any], tuple[int, dict[str, str], Any]]

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_REQUEST_ID = re.compile(r"req-" + _UUID.pattern)
#: Response headers a sample keeps (the rest vary, or say nothing a reader needs).
KEPT_HEADERS = ("Location", "Content-Type", "OpenStack-API-Version")
#: What placeholders stand for in a document's examples.
EXAMPLE_VALUES = {"host": "http://openstack.example.com", "request_id": "req-7e5d0e7c-3c4b-4f4e-9c3a-0b8a8f1f2d11"}


class Drift(AssertionError):
    """A replayed response no longer matches its sample; the message says where and how."""


@dataclass
class Exchange:
    """One request and the response it got, as templates."""

    operation: str
    request: dict[str, Any]      # method, path, headers, body
    response: dict[str, Any]     # status, headers, body
    version: str | None = None


@dataclass
class Sample:
    name: str
    exchanges: list[Exchange]
    description: str = ""
    path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {"description": self.description, "exchanges": [
            {"operation": e.operation, **({"version": e.version} if e.version else {}),
             "request": e.request, "response": e.response} for e in self.exchanges]}


@dataclass
class Step:
    """A request a scenario makes: its operation, what to send (``%(name)s`` filled from earlier answers)."""

    operation: str
    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    service: str = "compute"   # the service type the version header names


def load_samples(directory: str | Path) -> list[Sample]:
    """Every ``*.json`` sample in ``directory``, by name."""
    samples = []
    for file in sorted(Path(directory).glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        exchanges = [Exchange(e["operation"], e["request"], e["response"], e.get("version"))
                     for e in data.get("exchanges", [])]
        samples.append(Sample(file.stem, exchanges, data.get("description", ""), file))
    return samples


def write_sample(directory: str | Path, sample: Sample) -> Path:
    path = Path(directory) / f"{sample.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sample.to_json(), indent=2, sort_keys=False, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def record(name: str, steps: Iterable[Step], send: Send, base_url: str, description: str = "") -> Sample:
    """Run ``steps`` against the live service and template what varies: the sample to write."""
    names: dict[str, str] = {}  # a value seen -> its placeholder
    captured: dict[str, str] = {}
    exchanges = []
    for step in steps:
        path, body = fill(step.path, captured), fill(step.body, captured)
        status, headers, answer = send(step.method, path, _headers(step), body)
        template = _templated(answer, names, base_url, known=_known(step.body))
        for value, placeholder in names.items():
            captured[placeholder] = value
        kept = {k: _templated(v, names, base_url) for k, v in headers.items() if k in KEPT_HEADERS}
        # A request's own values stay as sent; only what an earlier answer gave becomes its placeholder.
        request = {"method": step.method, "path": step.path}
        if step.headers or step.version:
            request["headers"] = _headers(step)
        if step.body is not None:
            request["body"] = step.body
        exchanges.append(Exchange(step.operation, request, {"status": status, "headers": kept, "body": template},
                                  step.version))
    return Sample(name, exchanges, description)


def replay(sample: Sample, send: Send, base_url: str) -> None:
    """Send each request of ``sample`` and check its response; ``Drift`` naming the first mismatch."""
    values: dict[str, str] = {"host": base_url}
    for index, exchange in enumerate(sample.exchanges):
        request = exchange.request
        where = f"sample {sample.name}, exchange {index + 1} ({request['method']} {request['path']})"
        path, body = fill(request["path"], values), fill(request.get("body"), values)
        status, headers, answer = send(request["method"], path, dict(request.get("headers") or {}), body)
        expected = exchange.response
        if status != expected["status"]:
            raise Drift(f"{where}: status {status}, the sample has {expected['status']}; body: {answer!r:.300}")
        for name, template in (expected.get("headers") or {}).items():
            match(template, headers.get(name), values, f"{where}: header {name}")
        match(expected.get("body"), answer, values, f"{where}: body")


def match(template: Any, actual: Any, values: dict[str, str], where: str) -> None:
    """Check ``actual`` against ``template``; placeholders match anything once, then that same value."""
    if isinstance(template, dict):
        if not isinstance(actual, dict) or set(template) != set(actual):
            got = sorted(actual) if isinstance(actual, dict) else type(actual).__name__
            raise Drift(f"{where}: keys {got}, the sample has {sorted(template)}")
        for key in template:
            match(template[key], actual[key], values, f"{where}.{key}")
    elif isinstance(template, list):
        if not isinstance(actual, list) or len(actual) != len(template):
            raise Drift(f"{where}: {actual!r:.200}, the sample has {len(template)} items")
        for i, (t, a) in enumerate(zip(template, actual)):
            match(t, a, values, f"{where}[{i}]")
    elif isinstance(template, str) and _PLACEHOLDER.search(template):
        if not isinstance(actual, str):
            raise Drift(f"{where}: {actual!r:.200} is not text matching {template!r}")
        pattern = _pattern(template, values)
        found = re.fullmatch(pattern, actual)
        if found is None:
            raise Drift(f"{where}: {actual!r:.200} does not match the sample's {template!r}")
        values.update({k: v for k, v in found.groupdict().items() if v is not None})
    elif template != actual:
        raise Drift(f"{where}: {actual!r:.200}, the sample has {template!r:.200}")


def fill(value: Any, values: dict[str, str]) -> Any:
    """``value`` with each ``%(name)s`` replaced by what ``values`` holds for it."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def example(value: Any) -> Any:
    """A template as a document's example: placeholders become fixed, realistic values."""
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in EXAMPLE_VALUES:
            return EXAMPLE_VALUES[name]
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cravat-sample:{name}"))
    if isinstance(value, str):
        return _PLACEHOLDER.sub(one, value)
    if isinstance(value, dict):
        return {k: example(v) for k, v in value.items()}
    if isinstance(value, list):
        return [example(v) for v in value]
    return value


def _pattern(template: str, values: dict[str, str]) -> str:
    out, last, seen = [], 0, set()
    for m in _PLACEHOLDER.finditer(template):
        out.append(re.escape(template[last:m.start()]))
        name = m.group(1)
        if name in values:
            out.append(re.escape(values[name]))
        elif name in seen:
            out.append(f"(?P={name})")
        else:
            out.append(f"(?P<{name}>.+?)")
            seen.add(name)
        last = m.end()
    out.append(re.escape(template[last:]))
    return "".join(out)


def _headers(step: Step) -> dict[str, str]:
    headers = dict(step.headers)
    if step.version:
        headers.setdefault("OpenStack-API-Version", f"{step.service} {step.version}")
    return headers


def _known(value: Any) -> frozenset[str]:
    """The UUIDs a request sent itself: the answer echoing them is no variation."""
    return frozenset(_UUID.findall(repr(value))) if value is not None else frozenset()


def _templated(value: Any, names: dict[str, str], base_url: str, known: frozenset[str] = frozenset()) -> Any:
    """What varies replaced by placeholders: the base URL, request ids, and each UUID (one name per value)."""
    if isinstance(value, str):
        text = value.replace(base_url, "%(host)s")
        text = _REQUEST_ID.sub("%(request_id)s", text)

        def name_uuid(m: re.Match[str]) -> str:
            if m.group(0) in known:
                return m.group(0)
            placeholder = names.get(m.group(0))
            if placeholder is None:
                placeholder = names[m.group(0)] = f"uuid{len(names) + 1}"
            return f"%({placeholder})s"

        return _UUID.sub(name_uuid, text)
    if isinstance(value, dict):
        return {k: _templated(v, names, base_url, known) for k, v in value.items()}
    if isinstance(value, list):
        return [_templated(v, names, base_url, known) for v in value]
    return value
