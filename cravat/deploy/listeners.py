"""Listening sockets at a graceful stop: refuse new connections without resetting queued ones.

Closing a listening socket resets every connection still in its accept
queue: those clients connected, sent a request, and get a reset they cannot
tell from a lost answer. :func:`refuse_new_connections` instead attaches a
socket filter that drops every packet arriving at the listener: no new
handshake completes (a client's SYN goes unanswered and is retried, and is
refused once the socket is closed), while connections already queued are
still accepted and served. Linux only; elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import socket
import struct
import sys

LOG = logging.getLogger(__name__)

_SO_ATTACH_FILTER = 26
# One classic BPF instruction: BPF_RET | BPF_K with k = 0, "keep 0 bytes", i.e. drop the packet.
_DROP_ALL = struct.pack("HBBI", 0x06, 0, 0, 0)


def refuse_new_connections(sock: socket.socket) -> bool:
    """Drop every packet arriving at listening socket ``sock`` from now on; whether it could."""
    if sys.platform != "linux":
        return False
    program = ctypes.create_string_buffer(_DROP_ALL)
    fprog = struct.pack("HL", 1, ctypes.addressof(program))  # struct sock_fprog {len; filter*}
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
    except OSError as exc:
        LOG.warning("cannot stop new connections on %s: %s", sock.getsockname(), exc)
        return False
    return True


def own_listeners(port: int) -> list[socket.socket]:
    """This process's listening TCP sockets on ``port``, as duplicates (close them when done).

    For servers that keep their listener out of Python's reach (granian's is
    in Rust): the file descriptors are looked up in ``/proc/self/fd``.
    """
    found = []
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return found
    for fd in fds:
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if (sock.type == socket.SOCK_STREAM and sock.family in (socket.AF_INET, socket.AF_INET6)
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                    and sock.getsockname()[1] == port):
                found.append(sock)
                continue
        except OSError:
            pass
        sock.close()
    return found
