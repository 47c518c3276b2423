"""cravat's granian runner, driven as granian drives it (a protocol object and the request's environ)."""

from __future__ import annotations

import gc
import io
import threading
import time
import weakref

from cravat.deploy.admission import Admission
from cravat.deploy.guard import GuardOptions, ServingGuard
from cravat.deploy.servers.granian import _Runner


class Proto:
    """granian's protocol object: the answer it was given."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, bytes]] = []

    def response_bytes(self, status, headers, body):
        self.answers.append((status, body))


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def post(runner: _Runner, body: bytes) -> Proto:
    proto = Proto()
    scope = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
             "HTTP_HOST": "127.0.0.1:9311", "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "text/plain",
             "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1"}
    runner(proto, scope)
    return proto


def test_a_served_body_is_not_kept_until_its_deadline():
    # Each request with a body waits in the deadline heap until its body deadline (30 s), answered or not.
    # It held the request's environ, and so its body, all that time: the memory of 30 s of POSTs.
    guard = ServingGuard(echo, GuardOptions())
    guard.body_threads = 4
    runner = _Runner(guard, None, {})
    body = b"x" * 4096
    watched = weakref.ref(proto := post(runner, body))
    assert proto.answers == [(200, body)]
    del proto, body
    gc.collect()
    assert len(runner.deadlines._heap) == 1  # its deadline is still to come
    assert watched() is None
    assert runner.deadlines._heap[0].environ is None


def test_a_request_whose_body_is_whole_no_longer_counts_against_the_body_threads():
    # A request was counted as reading its body until it was answered, its wait for an admission slot and
    # the app's work included: with one slot and one body thread, a second POST while the first ran was a
    # 503 "Too many request bodies", though neither client was slow (8 clients storing secrets on a
    # `--threads 1` key manager: 10,735 of them refused in 5 s).
    running, leave = threading.Event(), threading.Event()

    def held(environ, start_response):
        running.set()
        leave.wait(10)
        return echo(environ, start_response)

    guard = ServingGuard(held, GuardOptions(), admission=Admission(1))
    guard.body_threads = 1
    runner = _Runner(guard, None, {})
    first = threading.Thread(target=post, args=(runner, b"first"))
    first.start()
    assert running.wait(5)
    answers = []
    second = threading.Thread(target=lambda: answers.append(post(runner, b"second").answers))
    second.start()
    deadline = time.monotonic() + 5
    while not answers and not guard.admission._waiting:  # refused at once, or waiting for the slot
        assert time.monotonic() < deadline
        time.sleep(0.001)
    leave.set()
    first.join(10)
    second.join(10)
    assert answers == [[(200, b"second")]]


def get(runner: _Runner) -> Proto:
    proto = Proto()
    runner(proto, {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
                   "HTTP_HOST": "127.0.0.1:9311", "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1"})
    return proto


def test_a_request_arriving_while_the_slot_is_held_is_answered_by_the_thread_holding_it():
    # granian's pool gave each request to another thread, which traded the GIL with the one running the app
    # (the key manager's metadata GET, one slot: 2,100 requests/s against 2,870 with its work left to the
    # running thread). Its thread now leaves the work and goes back to granian before it runs.
    running, leave = threading.Event(), threading.Event()
    threads = []

    def app(environ, start_response):
        threads.append(threading.get_ident())
        if len(threads) == 1:
            running.set()
            leave.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    guard = ServingGuard(app, GuardOptions(), admission=Admission(1))
    guard.body_threads = 1
    runner = _Runner(guard, None, {})
    first = threading.Thread(target=get, args=(runner,))
    first.start()
    assert running.wait(5)
    second = get(runner)  # returns, its work left behind the first
    assert second.answers == []
    leave.set()
    first.join(10)
    assert second.answers == [(200, b"ok")]
    assert threads == [first.ident, first.ident]


class SlowInput(io.BytesIO):
    """A body whose client takes ``delay`` seconds to send it."""

    def __init__(self, body: bytes, delay: float) -> None:
        super().__init__(body)
        self.delay = delay

    def read(self, *args):
        time.sleep(self.delay)
        return super().read(*args)


def post_slowly(runner: _Runner, body: bytes, delay: float) -> Proto:
    proto = Proto()
    runner(proto, {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
                   "HTTP_HOST": "127.0.0.1:9311", "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "text/plain",
                   "wsgi.url_scheme": "http", "wsgi.input": SlowInput(body, delay), "REMOTE_ADDR": "127.0.0.1"})
    return proto


def test_a_body_arriving_while_the_body_threads_read_others_waits_a_moment_for_one():
    # With every body thread reading, a request with a body was 503 at once, even when the readers' clients
    # were fast and only waited for the GIL (8 clients storing secrets on a one-thread key manager: 5 of
    # 7,800 refused in 5 s). A reader that finishes within BODY_THREAD_WAIT now takes it.
    guard = ServingGuard(echo, GuardOptions(), admission=Admission(1))
    guard.body_threads = 1
    runner = _Runner(guard, None, {})
    answers = []
    first = threading.Thread(target=lambda: answers.append(post_slowly(runner, b"first", 0.01).answers))
    first.start()
    wait_for_reader(runner)
    second = post(runner, b"second")
    first.join(10)
    assert answers == [[(200, b"first")]]
    assert second.answers == [(200, b"second")]


def test_a_body_arriving_while_the_body_threads_wait_on_slow_clients_is_refused():
    guard = ServingGuard(echo, GuardOptions(), admission=Admission(1))
    guard.body_threads = 1
    runner = _Runner(guard, None, {})
    first = threading.Thread(target=post_slowly, args=(runner, b"first", 1.0))
    first.start()
    wait_for_reader(runner)
    second = post(runner, b"second")
    assert [status for status, _ in second.answers] == [503]
    assert b"Too many request bodies are arriving at once" in second.answers[0][1]
    first.join(10)


def wait_for_reader(runner: _Runner) -> None:
    deadline = time.monotonic() + 5
    while runner._reading == 0:
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_the_deadline_thread_wakes_once_a_grain_for_the_entries_due_in_it():
    # Every request with a body leaves an entry until its deadline, answered or not, and the thread woke
    # for each one: a thread switch per POST, body_timeout after it. Entries due 10 ms apart now end in a
    # few wakes of one grain each, none before its deadline.
    from cravat.deploy.servers.granian import _Deadlines, _Pending

    ended: list[tuple[float, float]] = []
    done = threading.Event()
    count = 20

    def expire(pending):
        ended.append((pending.deadline, time.monotonic()))
        if len(ended) == count:
            done.set()

    deadlines = _Deadlines(expire, grain=0.1)
    start = time.monotonic() + 0.05
    for i in range(count):
        deadlines.add(_Pending(None, {}, start + i * 0.01))
    assert done.wait(10)
    assert all(at >= deadline for deadline, at in ended)
    assert all(at < deadline + 0.1 + 1.0 for deadline, at in ended)  # within a grain, and the machine's slack
    wakes = 1 + sum(1 for (_, a), (_, b) in zip(ended, ended[1:]) if b - a > 0.005)
    assert wakes <= 4, [round(at - start, 3) for _, at in ended]


def test_a_body_arriving_while_the_body_threads_have_read_a_while_is_refused_without_waiting():
    # A request with a body waited BODY_THREAD_WAIT for a body thread whatever the readers were, holding a
    # thread of granian's pool meanwhile: with 80 slow clients reopening as they were refused, the waiters
    # took the threads the app's requests needed (bench/hostile.py: 244 requests/s against 14,772 idle).
    # Readers that began longer ago than that are slow clients: the request is refused at once.
    guard = ServingGuard(echo, GuardOptions(), admission=Admission(1))
    guard.body_threads = 1
    runner = _Runner(guard, None, {})
    waits = []

    class Recorded(threading.Condition):
        def wait_for(self, predicate, timeout=None):
            waits.append(timeout)
            return super().wait_for(predicate, timeout)

    runner._readers = Recorded()
    first = threading.Thread(target=post_slowly, args=(runner, b"first", 1.0))
    first.start()
    wait_for_reader(runner)
    time.sleep(0.06)  # the reader is older than BODY_THREAD_WAIT
    second = post(runner, b"second")
    assert [status for status, _ in second.answers] == [503]
    assert waits == []
    first.join(10)
