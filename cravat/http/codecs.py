"""Body codecs: bytes on the wire to Python values and back, with limits.

The JSON codec refuses what a well-behaved client never sends: bytes that are
not UTF-8, text that is not JSON, and documents nested deeper than the API's
limit (deep nesting costs the parser stack and every later walker of the body).
"""

from __future__ import annotations

import json
import math
from typing import Any

from cravat.http.errors import BadRequest

JSON = "application/json"

class _NotJSON(ValueError):
    """A number JSON cannot carry: NaN, Infinity, or a float too large for a double."""


def _refuse_constant(name: str) -> float:
    raise _NotJSON(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotJSON(f"{text[:20]} is too large for a JSON number")
    return value


# allow_nan=False: an answer holding NaN or Infinity would not be JSON; it is a server bug (500).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
class _DuplicateKey(ValueError):
    """An object names one key twice: which value wins is where parsers disagree."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


_decode_last_wins = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float).decode
_decode_unique = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float,
                                  object_pairs_hook=_unique_keys).decode


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


if json.encoder.c_make_encoder is not None:
    # PERF: JSONEncoder.encode builds this C encoder (and a closure) on every call, a third of
    # encoding a small answer; built once here, with the same settings as _encode but
    # check_circular off (a shared markers dict would be wrong across threads; a cycle
    # is a RecursionError instead, a 500 either way).
    _iterencode = json.encoder.c_make_encoder(None, _not_json, json.encoder.encode_basestring, None, ":", ",",
                                              False, False, False)

    def encode_json(value: Any) -> str:
        """``{"a": 1}`` -> ``'{"a":1}'``: what ``dumps`` encodes to UTF-8."""
        return "".join(_iterencode(value, 0))
else:  # pragma: no cover - CPython always has the accelerator
    encode_json = _encode


def dumps(value: Any) -> bytes:
    """``{"a": 1}`` -> ``b'{"a":1}'``."""
    return encode_json(value).encode("utf-8")


def loads(raw: bytes, max_depth: int, *, allow_duplicate_keys: bool = False) -> Any:
    """Parse a JSON request body, or raise ``BadRequest`` saying what is wrong with it.

    >>> loads(b'{"server": {"name": "a"}}', max_depth=32)
    {'server': {'name': 'a'}}

    An object naming a key twice is refused unless ``allow_duplicate_keys``
    (then the last value wins, as Python's json module has it): a proxy or
    validator that keeps the first value and a handler that keeps the last
    would see two different requests.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1]
        raise BadRequest(f"Request body is not valid UTF-8: byte {exc.start} is {bad!r}.") from None
    # PERF: a body with no more brackets than the limit cannot nest past it, so
    # the exact depth walk runs only for the rare body with many brackets.
    check_depth = text.count("{") + text.count("[") > max_depth
    try:
        value = _decode_last_wins(text) if allow_duplicate_keys else _decode_unique(text)
    except _DuplicateKey as exc:
        raise BadRequest(f"Malformed JSON in request body: an object names the key {_short_key(exc.args[0])} "
                         "more than once.") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise BadRequest(f"Malformed JSON in request body: {exc.msg} at {where}.") from None
    except RecursionError:
        raise BadRequest(f"JSON request body is nested more than {max_depth} levels deep.") from None
    except _NotJSON as exc:
        raise BadRequest(f"Malformed JSON in request body: {exc}.") from None
    except ValueError as exc:  # an integer past Python's 4,300-digit limit
        raise BadRequest(f"Malformed JSON in request body: {str(exc).split(';')[0]}.") from None
    # Only \u escapes can make a lone surrogate, which no answer could encode later.
    # PERF: a one-character search is a memchr; "\\u" in text costs thirty times as much.
    if "\\" in text:
        try:
            _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("Malformed JSON in request body: a \\u escape is a lone surrogate, not a character.") \
                from None
    if check_depth and _depth(value) > max_depth:
        raise BadRequest(f"JSON request body is nested more than {max_depth} levels deep.")
    return value


def _short_key(key: str) -> str:
    text = json.dumps(key, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + '..."'


def _depth(value: Any) -> int:
    """Nesting depth of a parsed document, without recursion: ``[[1]]`` -> 2, ``1`` -> 0."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > deepest:
            deepest = level
        stack.extend((child, level + 1) for child in children)
    return deepest
