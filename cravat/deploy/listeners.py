"""Listening sockets at a graceful stop: refuse new connections without resetting queued ones.

Closing a listening socket resets every connection still in its accept
queue: those clients connected, sent a request, and get a reset they cannot
tell from a lost answer. :func:`refuse_new_connections` instead attaches a
socket filter that drops every new handshake's SYN arriving at the listener:
no new handshake begins (the client's SYN goes unanswered and is retried,
and is refused once the socket is closed), while connections already queued
are still accepted and served. A handshake already answered with a SYN-ACK
completes: its last ACK passes. (Dropping every packet, as this did first,
left such a client connected on its side, its request sent, and reset when
the listener closed: a lost request, seen about once in a few hundred stops
under uWSGI's reconnect-per-request load.) Linux only; elsewhere it does nothing.
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
#: Classic BPF, run on each packet at the listener with the TCP header at offset 0: drop a SYN without
#: ACK (a new handshake), keep everything else (the ACK that completes a handshake already begun, RSTs).
_DROP_NEW_HANDSHAKES = b"".join(struct.pack("HBBI", *instruction) for instruction in (
    (0x30, 0, 0, 13),          # BPF_LD | BPF_B | BPF_ABS: A = the TCP flags byte
    (0x54, 0, 0, 0x12),        # BPF_ALU | BPF_AND | BPF_K: A &= SYN | ACK
    (0x15, 0, 1, 0x02),        # BPF_JMP | BPF_JEQ | BPF_K: A == SYN alone? next : skip one
    (0x06, 0, 0, 0),           # BPF_RET | BPF_K: keep 0 bytes, i.e. drop
    (0x06, 0, 0, 0xFFFFFFFF),  # BPF_RET | BPF_K: keep the packet
))


def refuse_new_connections(sock: socket.socket) -> bool:
    """No new connection completes on listening socket ``sock`` from now on; whether it could."""
    if sys.platform != "linux":
        return False
    program = ctypes.create_string_buffer(_DROP_NEW_HANDSHAKES)
    # struct sock_fprog {len; filter*}; the kernel copies the program, so the buffer may go after the call.
    fprog = struct.pack("HL", len(_DROP_NEW_HANDSHAKES) // 8, ctypes.addressof(program))
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
