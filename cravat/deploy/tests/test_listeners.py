"""refuse_new_connections: a listener that takes no new connection and keeps those queued."""

from __future__ import annotations

import socket
import sys

import pytest

from cravat.deploy.listeners import refuse_new_connections

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a Linux socket filter")


def test_a_refusing_listener_completes_no_new_handshake_and_keeps_the_queued_ones():
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        port = listener.getsockname()[1]
        queued = socket.create_connection(("127.0.0.1", port), timeout=5)
        queued.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert refuse_new_connections(listener)
        with pytest.raises(TimeoutError):  # the SYN goes unanswered: connect waits, it is not reset
            socket.create_connection(("127.0.0.1", port), timeout=1.0)
        accepted, _ = listener.accept()
        with accepted, queued:
            assert accepted.recv(64) == b"GET / HTTP/1.1\r\n\r\n"
            accepted.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            assert queued.recv(64).startswith(b"HTTP/1.1 200 OK")
