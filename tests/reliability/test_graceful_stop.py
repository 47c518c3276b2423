"""SIGTERM under load loses no request: every request written is answered, none is reset.

Found (32 kept-alive connections): granian reset 9-18 connections per
SIGTERM, gunicorn and uWSGI 32 (one per kept-alive client). A client cannot
tell a reset from a lost write, so a reset is a lost request.

Each round starts a server, puts 32 kept-alive clients on it, sends SIGTERM
and counts what became of every request: answered, reset, closed without an
answer, or never sent because the server no longer took connections
(refused: nothing was written, safe to retry elsewhere).
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.reliability.load import KeepAliveLoad
from tests.reliability.support import SERVERS, TIMEOUT, Served

ROUNDS = 3
CLIENTS = 32


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_under_load_answers_every_request_it_received(server):
    for round_ in range(ROUNDS):
        with Served(server, "--graceful-timeout", "10", threads=8) as served:
            load = KeepAliveLoad(served.port, CLIENTS, seconds=TIMEOUT)
            time.sleep(0.5)  # every client busy
            served.proc.send_signal(signal.SIGTERM)
            assert served.proc.wait(timeout=TIMEOUT) == 0
            tally = load.join(timeout=TIMEOUT)
        assert tally.answered > CLIENTS, f"round {round_}: {tally}"
        assert (tally.resets, tally.unanswered) == (0, 0), f"round {round_}: {tally.notes}"
        assert tally.refused == CLIENTS  # each client ended at a refused connection, none mid-request
