"""The validated-create scenario's input: Nova's server create, once for every app.

One JSON Schema (the shape of Nova's ``POST /servers`` body, closed with
``additionalProperties: false`` at every level), a valid body of about 1 KB
and an invalid one whose ``imageRef`` is not a UUID. Every framework checks
its ``/v1/r{i}`` create against ``SERVER_SCHEMA``; raw WSGI and cravat with
the same compiled (fastjsonschema) validator, Falcon and Flask with the
jsonschema library.
"""

import json

UUID = {"type": "string", "format": "uuid"}

SERVER_SCHEMA = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "imageRef": UUID,
                "flavorRef": {"type": "string", "minLength": 1},
                "metadata": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "maxLength": 255},
                    "maxProperties": 128,
                },
                "networks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"uuid": UUID, "fixed_ip": {"type": "string"}},
                        "required": ["uuid"],
                        "additionalProperties": False,
                    },
                },
                "min_count": {"type": "integer", "minimum": 1},
                "max_count": {"type": "integer", "minimum": 1},
            },
            "required": ["name", "imageRef", "flavorRef"],
            "additionalProperties": False,
        },
    },
    "required": ["server"],
    "additionalProperties": False,
}

#: What fastjsonschema needs to check ``format: uuid`` (it has no uuid format
#: of its own); the same pattern as cravat's, so raw and cravat do equal work.
FASTJSONSCHEMA_FORMATS = {
    "uuid": r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}"
            r"-?[0-9a-fA-F]{12}\Z",
}

#: The microversion every validated request asks for; only cravat reads it.
VERSION_HEADER = ("HTTP_OPENSTACK_API_VERSION", "compute 2.40")

_PAD = "x" * 80

VALID_BODY = {
    "server": {
        "name": "bench-server-" + "n" * 126,
        "imageRef": "70a599e0-31e7-49b7-b260-868f441e862b",
        "flavorRef": "http://openstack.example.com/flavors/1",
        "metadata": {f"key{i}": f"value{i}-{_PAD}" for i in range(5)},
        "networks": [
            {"uuid": "ff608d40-75e9-48cb-b745-77bb55b5eaf2"},
            {"uuid": "a4c9d1f6-1f6a-4a0e-9c8b-6d1e2f3a4b5c",
             "fixed_ip": "10.0.0.17"},
            {"uuid": "0b7c4e2a-8d3f-4c6e-a1b2-c3d4e5f60718"},
        ],
        "min_count": 1,
        "max_count": 1,
    },
}

INVALID_BODY = {
    "server": {**VALID_BODY["server"], "imageRef": "not-a-uuid-" + "z" * 25},
}

#: The field an invalid body's 400 must name (cravat's message names it).
INVALID_FIELD = "server.imageRef"

BODY_BYTES = len(json.dumps(VALID_BODY))
