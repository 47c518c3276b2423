"""Admission: requests that compute run one at a time; requests blocked on I/O run side by side."""

import threading
import time

import pytest

from cravat.deploy.admission import Admission, thread_cpu_time


class Clocks:
    """A CPU clock per thread for Admission: a thread marked computing has used all of its time on the
    CPU (its clock is the wall clock), one marked blocked none of it."""

    def __init__(self) -> None:
        self.blocked: set[int] = set()

    def __call__(self, ident: int) -> float:
        return 0.0 if ident in self.blocked else time.monotonic()


class Requests:
    """Threads entering one admission and holding their slot until released; what ran at once."""

    def __init__(self, admission: Admission, clocks: Clocks | None = None) -> None:
        self.admission = admission
        self.clocks = clocks
        self.entered: list[int] = []
        self.most = 0
        self._lock = threading.Lock()
        self._leave: dict[int, threading.Event] = {}
        self._threads: dict[int, threading.Thread] = {}

    def start(self, n: int, *, blocked: bool = False) -> None:
        """Request ``n``, one after another: each is admitted or queued before the next arrives."""
        leave, arrived = threading.Event(), threading.Event()
        thread = threading.Thread(target=self._request, args=(n, leave, arrived, blocked), daemon=True)
        self._leave[n], self._threads[n] = leave, thread
        thread.start()
        arrived.wait(5)
        wait_for(lambda: n in self.entered or thread.ident in {waiter.ident for waiter in self.admission._waiting})

    def _request(self, n: int, leave: threading.Event, arrived: threading.Event, blocked: bool) -> None:
        if blocked and self.clocks is not None:
            self.clocks.blocked.add(threading.get_ident())
        arrived.set()
        with self.admission:
            with self._lock:
                self.entered.append(n)
                self.most = max(self.most, self.admission.running)
            leave.wait(10)

    def finish(self, n: int) -> None:
        self._leave[n].set()
        self._threads[n].join(10)
        assert not self._threads[n].is_alive()

    def finish_all(self) -> None:
        for n in list(self._leave):
            self.finish(n)


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not within 5 s")
        time.sleep(0.001)


def test_requests_that_compute_run_one_after_another_in_arrival_order():
    clocks = Clocks()
    requests = Requests(Admission(8, time_slice=60, cpu_time=clocks), clocks)
    for n in range(4):
        requests.start(n)
    time.sleep(0.05)  # 50 probes: none of the computing requests is found blocked
    assert requests.entered == [0]
    for n in range(4):
        requests.finish(n)
    assert requests.entered == [0, 1, 2, 3]
    assert requests.most == 1


def test_requests_blocked_on_io_run_side_by_side_up_to_threads():
    clocks = Clocks()
    requests = Requests(Admission(3, cpu_time=clocks), clocks)
    for n in range(5):
        requests.start(n, blocked=True)
    wait_for(lambda: len(requests.entered) == 3)
    time.sleep(0.05)
    assert requests.entered == [0, 1, 2]  # never more than threads
    requests.finish(1)
    wait_for(lambda: len(requests.entered) == 4)
    assert requests.entered[3] == 3  # the longest waiter
    requests.finish_all()
    assert requests.entered == [0, 1, 2, 3, 4]
    assert requests.most == 3


def test_a_request_that_blocks_lets_the_next_one_in_and_one_that_computes_holds_it_back():
    clocks = Clocks()
    requests = Requests(Admission(8, time_slice=60, cpu_time=clocks), clocks)
    requests.start(0, blocked=True)
    requests.start(1)  # arrives while 0 is not yet probed: it waits until 0 is found blocked
    wait_for(lambda: requests.entered == [0, 1])
    requests.start(2)  # 1 computes: 2 waits though 7 slots are free
    time.sleep(0.05)
    assert requests.entered == [0, 1]
    requests.finish(1)  # the only computing request leaves: 0 is blocked, so 2 goes in at once
    wait_for(lambda: requests.entered == [0, 1, 2])
    requests.finish_all()


def test_a_request_computing_longer_than_a_slice_lets_the_next_one_in_beside_it():
    clocks = Clocks()
    requests = Requests(Admission(8, time_slice=0.2, cpu_time=clocks), clocks)
    requests.start(0)
    requests.start(1)
    time.sleep(0.05)
    assert requests.entered == [0]  # within its slice, 0 computes alone
    wait_for(lambda: requests.entered == [0, 1])  # past it, 1 runs beside it
    requests.finish_all()
    assert requests.most == 2


def test_without_a_cpu_clock_up_to_threads_run_at_once():
    requests = Requests(Admission(2, cpu_time=None))
    for n in range(3):
        requests.start(n)
    wait_for(lambda: len(requests.entered) == 2)
    time.sleep(0.02)
    assert requests.entered == [0, 1]
    requests.finish(0)
    wait_for(lambda: requests.entered == [0, 1, 2])
    requests.finish_all()
    assert requests.most == 2


def test_a_request_that_raises_frees_its_slot():
    admission = Admission(1)
    with pytest.raises(RuntimeError):
        with admission:
            raise RuntimeError("the app failed")
    assert admission.running == 0
    with admission:
        assert admission.running == 1


def test_threads_below_one_is_refused():
    with pytest.raises(ValueError, match="threads must be >= 1, not 0"):
        Admission(0)


def test_the_cpu_clock_of_a_sleeping_thread_stands_still_and_of_a_computing_one_runs():
    started, stop = threading.Event(), threading.Event()
    idents = {}

    def sleeper():
        idents["sleeping"] = threading.get_ident()
        started.set()
        stop.wait(10)

    def spinner():
        idents["computing"] = threading.get_ident()
        while not stop.is_set():
            sum(range(1000))

    threads = [threading.Thread(target=sleeper), threading.Thread(target=spinner)]
    for thread in threads:
        thread.start()
    started.wait(5)
    wait_for(lambda: "computing" in idents)
    before = {name: thread_cpu_time(ident) for name, ident in idents.items()}
    time.sleep(0.2)
    after = {name: thread_cpu_time(ident) for name, ident in idents.items()}
    stop.set()
    for thread in threads:
        thread.join(10)
    assert after["sleeping"] - before["sleeping"] < 0.005
    assert after["computing"] - before["computing"] > 0.01


# --- run(): work left for a thread that is running already -------------------------------------------

class Works:
    """Work for Admission.run that records the thread it ran on, each held until released."""

    def __init__(self, admission: Admission) -> None:
        self.admission = admission
        self.ran: list[tuple[int, int]] = []  # (n, the thread it ran on)
        self.held: dict[int, threading.Event] = {}

    def work(self, n: int, *, hold: bool = False):
        self.held[n] = release = threading.Event()
        if not hold:
            release.set()

        def work() -> None:
            self.ran.append((n, threading.get_ident()))
            release.wait(10)

        return work

    def run_on_a_thread(self, n: int, **kwargs) -> threading.Thread:
        thread = threading.Thread(target=self.admission.run, args=(self.work(n, **kwargs),), daemon=True)
        thread.start()
        wait_for(lambda: any(m == n for m, _ in self.ran))
        return thread


def test_work_left_while_the_slot_is_held_runs_next_on_the_thread_holding_it_in_arrival_order():
    admission = Admission(1, cpu_time=Clocks())
    works = Works(admission)
    first = works.run_on_a_thread(0, hold=True)
    # The caller leaves its work and goes back (to the server) before it has run: nothing waits for it.
    admission.run(works.work(1))
    admission.run(works.work(2))
    assert [n for n, _ in works.ran] == [0]
    works.held[0].set()
    first.join(10)
    assert works.ran == [(0, first.ident), (1, first.ident), (2, first.ident)]
    assert admission.running == 0


def test_left_work_runs_beside_a_blocked_request_on_a_thread_of_the_admission():
    clocks = Clocks()
    admission = Admission(2, cpu_time=clocks)
    works = Works(admission)
    ready = threading.Event()

    def blocked_request():
        clocks.blocked.add(threading.get_ident())
        ready.set()
        admission.run(works.work(0, hold=True))

    first = threading.Thread(target=blocked_request, daemon=True)
    first.start()
    ready.wait(5)
    wait_for(lambda: works.ran)
    admission.run(works.work(1))  # 0 is not probed yet: left, then let in once 0 is found blocked
    wait_for(lambda: len(works.ran) == 2)
    helper = works.ran[1][1]
    assert helper not in (first.ident, threading.get_ident())
    assert not works.held[0].is_set()  # it ran beside 0, which still holds its slot
    works.held[0].set()
    first.join(10)
    wait_for(lambda: admission.running == 0)


def test_work_that_raises_is_logged_and_frees_its_slot_for_the_work_left_behind_it(caplog):
    admission = Admission(1, cpu_time=Clocks())
    works = Works(admission)
    release = threading.Event()

    def failing() -> None:
        release.wait(10)
        raise RuntimeError("the app failed")

    first = threading.Thread(target=admission.run, args=(failing,), daemon=True)
    first.start()
    wait_for(lambda: admission.running == 1)
    admission.run(works.work(1))
    release.set()
    first.join(10)
    assert works.ran == [(1, first.ident)]
    assert "a request's work failed in its admission slot" in caplog.text
    assert "RuntimeError: the app failed" in caplog.text
    assert admission.running == 0


def test_a_waiting_request_and_left_work_are_let_in_in_arrival_order():
    admission = Admission(1, cpu_time=Clocks())
    works = Works(admission)
    requests = Requests(admission)
    first = works.run_on_a_thread(0, hold=True)
    requests.start(10)  # parks on its gate
    admission.run(works.work(1))  # left behind it
    works.held[0].set()
    first.join(10)
    wait_for(lambda: requests.entered == [10])
    assert [n for n, _ in works.ran] == [0]  # 1 waits for the request ahead of it
    requests.finish(10)
    wait_for(lambda: [n for n, _ in works.ran] == [0, 1])
    wait_for(lambda: admission.running == 0)
