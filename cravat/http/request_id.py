"""Request ids: the ``req-<uuid>`` every answer carries in ``x-openstack-request-id``."""

from __future__ import annotations

import itertools
import os
import random
import weakref

#: Where oslo.middleware's request_id filter leaves the id; cravat uses it when present.
ENV_REQUEST_ID = "openstack.request_id"

_getrandbits = random.getrandbits
# The RFC 4122 variant: the first hex digit of the fourth group is 8, 9, a or b.
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def new_request_id() -> str:
    """``req-<uuid4>``, the form OpenStack services and clients expect, from 122 random bits.

    PERF: the bits come from ``random`` (reseeded after fork), formatted
    here with uuid4's version and variant digits; ``str(uuid.uuid4())`` costs
    three times as much. A request id correlates log lines; it is no secret,
    so it needs no system entropy.
    """
    h = _getrandbits(128).to_bytes(16, "little").hex()
    return f"req-{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


class RequestIds:
    """The request ids of one API: uuid4-shaped, unique within and across its processes.

    An id is a random 68-bit prefix, drawn when the API is built and again
    in each process forked from it, followed by a 48-bit counter:
    ``req-5f0e9a3c-1b2d-4e8f-a1b2-00000000002a``. Ids from one process do not
    repeat for 2**48 requests, and two processes share a prefix with odds of
    one in 2**68. PERF: this costs a counter step and one format per
    request, half of drawing 122 random bits (``new_request_id``), which
    was a tenth of a small request.

    >>> ids = RequestIds()
    >>> ids.new()
    'req-...-000000000000'
    """

    __slots__ = ("_prefix", "_next", "__weakref__")

    def __init__(self) -> None:
        self._reseed()
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (lambda ids: ids is not None and ids._reseed())(ref()))

    def _reseed(self) -> None:
        h = _getrandbits(80).to_bytes(10, "little").hex()
        self._prefix = f"req-{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-"
        self._next = itertools.count().__next__  # next() of a C counter: atomic under the GIL

    def new(self) -> str:
        return f"{self._prefix}{self._next() & 0xFFFFFFFFFFFF:012x}"
