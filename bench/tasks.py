"""End to end, enqueue to ACTIVE: plain Celery (Barbican's style) against cravat's outbox and embedded worker.

Every arm serves the same orders API (tests/functional/taskapp.py, or its
plain-Celery twin bench/tasks_plain.py) on the same stdlib HTTP server,
one API process and two processes that run tasks (Celery's pool children, or cravat's workers), the same
PostgreSQL, the same RabbitMQ and the same trivial task (the order set
ACTIVE and one effect row written). Latency is the order's ``activated``
minus its ``created``, both stamped by the database's clock.

- A: plain Celery, Barbican's order: commit, then ``apply_async``; Celery's defaults.
- B: cravat's outbox on Celery (transport "celery": relay, wrapper, acks late, quorum queue).
- C: cravat's embedded transport on PostgreSQL (no broker).
- D: cravat's embedded transport on SQLite, reported on its own (the API's own thread runs tasks too).
- E: A's code with B's delivery settings (acks late, reject on worker lost, prefetch 1, a quorum queue
  with a delivery limit, publisher confirms): what at-least-once costs in Celery itself, outbox aside.

Load is open-loop at a constant arrival rate (requests are sent at their
scheduled times whatever the answers do), stepped up to saturation; the
arms take turns at each step, in rotated order, so drift in this shared
2-core machine falls on all alike. A step is *sustained* when every
accepted order is ACTIVE within 2 s of the step's end and the achieved rate
is at least 95% of the offered one. Then each arm is run again under random
SIGKILLs of its API and its worker (restarted at once), and the orders that
never became ACTIVE (lost) and those left with no task anywhere (orphaned)
are counted.

    .venv/bin/python bench/tasks.py                       # ~15 minutes
    .venv/bin/python bench/tasks.py --rates 20,40 --step 3 --kill-seconds 8 --arms A,B   # a quick look
    .venv/bin/python bench/tasks.py --markdown /tmp/tasks.md
    .venv/bin/python bench/tasks.py --cpu 40 --step 8     # instead: CPU ms per order, by process group

It needs the machine's PostgreSQL (a schema of its own, dropped after) and
RabbitMQ (queues of its own, deleted after); traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from cravat.db.testing import DEFAULT_POSTGRESQL, scratch_postgresql  # noqa: E402
from tests.functional.taskharness import CRAVAT, PYTHON, Proc, delete_queues, free_port, port_open, wait_until  # noqa: E402

BROKER = os.environ.get("CRAVAT_BENCH_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")
CELERY = str(Path(sys.executable).parent / "celery")
ARMS = {
    "A": "plain Celery, commit then apply_async (Barbican's style)",
    "E": "plain Celery as A, with B's delivery settings",
    "B": "cravat outbox on Celery",
    "C": "cravat embedded, PostgreSQL",
    "D": "cravat embedded, SQLite",
}


class Arm:
    """One arm's API and worker processes, restartable, on its own tables and queue."""

    def __init__(self, key: str, url: str, tmp: Path) -> None:
        self.key = key
        self.url = url
        self.tmp = tmp
        self.port = free_port()
        self.queue = f"bench.tasks.{key}.{uuid.uuid4().hex[:6]}"
        base = {**os.environ, "PYTHONPATH": str(ROOT), "TASKAPP_DATABASE_URL": url, "TASKAPP_LOG_LEVEL": "WARNING",
                "TASKAPP_QUEUE": self.queue, "TASKAPP_BROKER_URL": BROKER, "TASKAPP_POLL": "0.2",
                "TASKAPP_LEASE": "5", "TASKAPP_SWEEP_AFTER": "5", "TASKAPP_RELAY_GRACE": "1",
                "BENCH_DATABASE_URL": url, "BENCH_BROKER_URL": BROKER, "BENCH_QUEUE": self.queue}
        cravat_worker = [CRAVAT, "worker", "--app", "tests.functional.taskapp:app"]
        if key in ("A", "E"):
            self.api_argv = [PYTHON, "-m", "bench.tasks_plain", str(self.port)]
            self.worker_argvs = [[CELERY, "-A", "bench.tasks_plain:celery_app", "worker", "--concurrency=2",
                                  f"--queues={self.queue}", "--loglevel=INFO", "--without-mingle",
                                  "--without-gossip", f"--hostname=bench-{self.queue}@%h"]]
            self.env = {**base, "BENCH_AT_LEAST_ONCE": "1" if key == "E" else ""}
        elif key == "B":
            self.api_argv = [PYTHON, "-m", "tests.functional.taskapp", str(self.port)]
            self.worker_argvs = [[*cravat_worker, "--concurrency", "2"]]
            self.env = {**base, "TASKAPP_TRANSPORT": "celery", "TASKAPP_THREADS": "0"}
        else:
            # Two processes run tasks in every arm (Celery's two pool children in A, E and B). C: two
            # worker processes, woken by NOTIFY. D, the single-host default: the API's own thread, woken by
            # its commits, and one worker process (SQLite has no NOTIFY: it polls).
            self.api_argv = [PYTHON, "-m", "tests.functional.taskapp", str(self.port)]
            self.worker_argvs = [[*cravat_worker, "--threads", "1"]] * (2 if key == "C" else 1)
            self.env = {**base, "TASKAPP_TRANSPORT": "embedded", "TASKAPP_THREADS": "1" if key == "D" else "0"}
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.api: Proc | None = None
        self.workers: list[Proc | None] = [None] * len(self.worker_argvs)
        self._n = 0

    def migrate(self) -> None:
        import subprocess

        done = subprocess.run([CRAVAT, "db", "upgrade", "--app", "tests.functional.taskapp:app"], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    def start_api(self) -> None:
        self._n += 1
        self.api = Proc("api", self.api_argv, self.env, self.tmp / f"{self.key}-api-{self._n}.log")
        wait_until(lambda: port_open(self.port) or self.api.popen.poll() is not None, 30, f"{self.key}'s API")

    def start_worker(self, index: int) -> None:
        self._n += 1
        proc = self.workers[index] = Proc("worker", self.worker_argvs[index], self.env,
                                          self.tmp / f"{self.key}-worker-{self._n}.log")
        wait_until(lambda: " ready." in proc.text() or "thread(s) on" in proc.text()
                   or proc.popen.poll() is not None, 60, f"{self.key}'s worker")

    def start(self) -> None:
        self.start_api()
        for index in range(len(self.workers)):
            self.start_worker(index)

    def reset(self) -> None:
        """Empty tables and, for the broker arms, an empty queue: no step runs the last one's leftovers."""
        with self.engine.begin() as conn:
            for table in ("taskapp_effects", "taskapp_orders", "cravat_tasks"):
                conn.exec_driver_sql(f"DELETE FROM {table}")
        if self.key in ("A", "E", "B"):
            import kombu

            with kombu.Connection(BROKER, connect_timeout=5) as connection:
                connection.default_channel.queue_purge(self.queue)

    def results(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            orders = list(conn.exec_driver_sql("SELECT id, status, created, activated FROM taskapp_orders"))
            effects = conn.exec_driver_sql("SELECT COUNT(*), COUNT(DISTINCT order_id) FROM taskapp_effects").first()
            unowned = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM taskapp_orders o WHERE o.status = 'PENDING' AND NOT EXISTS "
                "(SELECT 1 FROM cravat_tasks t WHERE t.entity = o.id)").scalar()
        return {"orders": orders, "effect_rows": effects[0], "effect_orders": effects[1], "unowned": unowned}

    def pending(self) -> int:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT COUNT(*) FROM taskapp_orders WHERE status = 'PENDING'").scalar()

    def stop_processes(self) -> None:
        for proc in (self.api, *self.workers):
            if proc is not None:
                proc.stop()
        self.api = None
        self.workers = [None] * len(self.worker_argvs)

    def stop(self) -> None:
        self.stop_processes()
        self.engine.dispose()


@dataclass
class Load:
    """What the load generator saw: answers by status, and how late the sends were against their schedule."""

    statuses: dict[str, int] = field(default_factory=dict)
    late: list[float] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.statuses.get("202", 0)


def open_loop(port: int, rate: float, seconds: float, threads: int = 24) -> Load:
    """POST /orders at ``rate`` per second for ``seconds``, each at its scheduled time (bounded: rate*seconds)."""
    total = int(rate * seconds)
    load, lock, counter = Load(), threading.Lock(), iter(range(total))
    start = time.monotonic() + 0.2
    body = json.dumps({"order": {}}).encode()

    def sender() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            late = time.monotonic() - due
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/orders", body=body, headers={"Content-Type": "application/json"})
                status = str(conn.getresponse().status)
                conn.close()
            except OSError as exc:
                status = type(exc).__name__
            with lock:
                load.statuses[status] = load.statuses.get(status, 0) + 1
                load.late.append(late)

    workers = [threading.Thread(target=sender, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(seconds + 30)
    return load


def warm_up(arm: Arm) -> None:
    """A second of light load first, drained: connections opened, queues declared, code paths warm."""
    open_loop(arm.port, 20, 1.0)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and arm.pending():
        time.sleep(0.1)


def measure_step(arm: Arm, rate: float, seconds: float, drain: float) -> dict[str, Any]:
    warm_up(arm)
    arm.reset()
    began = time.time()
    load = open_loop(arm.port, rate, seconds)
    ended = time.time()
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline and arm.pending():
        time.sleep(0.1)
    res = arm.results()
    done = [(c, a) for _, s, c, a in res["orders"] if s == "ACTIVE" and a is not None]
    latencies = sorted(a - c for c, a in done)
    span = (max(a for _, a in done) - min(c for c, _ in done)) if len(done) > 1 else 0.0
    achieved = len(done) / span if span > 0 else 0.0
    finished_by = max((a for _, a in done), default=began) - ended
    sustained = (len(done) == load.accepted == int(rate * seconds) and achieved >= 0.95 * rate
                 and finished_by <= 2.0)
    return {"rate": rate, "accepted": load.accepted, "active": len(done), "achieved": achieved,
            "p50": _pct(latencies, 50), "p99": _pct(latencies, 99), "sustained": sustained,
            "late_p99": _pct(sorted(load.late), 99), "errors": {k: v for k, v in load.statuses.items() if k != "202"}}


def killed_run(arm: Arm, rate: float, seconds: float, rng: random.Random) -> dict[str, Any]:
    """Load while the API or the worker is SIGKILLed every 2-4 s and restarted; then count the damage."""
    warm_up(arm)
    arm.reset()
    stop = threading.Event()
    kills: list[str] = []

    def killer() -> None:
        while not stop.wait(rng.uniform(2.0, 4.0)):
            which = rng.choice(("api", "worker"))
            index = rng.randrange(len(arm.workers))
            proc = arm.api if which == "api" else arm.workers[index]
            proc.stop()  # SIGKILL to its whole process group: a Celery pool dies with its parent
            kills.append(which)
            if which == "api":
                arm.start_api()
            else:
                arm.start_worker(index)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    load = open_loop(arm.port, rate, seconds)
    stop.set()
    thread.join(60)
    last, still = -1, time.monotonic()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # recovery: until nothing is PENDING, or nothing moved for 15 s
        pending = arm.pending()
        if pending == 0:
            break
        if pending != last:
            last, still = pending, time.monotonic()
        elif time.monotonic() - still > 15:
            break
        time.sleep(0.2)
    res = arm.results()
    statuses = [s for _, s, _, _ in res["orders"]]
    lost = statuses.count("PENDING")
    orphaned = lost if arm.key == "A" else res["unowned"]  # plain Celery keeps no record of a task to find
    return {"accepted": load.accepted, "refused": sum(v for k, v in load.statuses.items() if k != "202"),
            "saved": len(statuses), "active": statuses.count("ACTIVE"), "lost": lost, "orphaned": orphaned,
            "duplicate_effects": res["effect_rows"] - res["effect_orders"], "kills": len(kills)}


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime of the process (its live threads included)


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{tid}/children").read_text().split())
        except OSError:
            pass
    return found


def _by_name(prefix: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().startswith(prefix):
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def cpu_run(arm: Arm, rate: float, seconds: float) -> dict[str, float]:
    """CPU milliseconds per order, by process group, at ``rate`` orders/s (PostgreSQL and RabbitMQ are
    shared with whatever else runs on this machine: their figures are upper bounds)."""
    warm_up(arm)
    arm.reset()
    groups = {"api": lambda: _tree(arm.api.pid),
              "workers": lambda: [p for w in arm.workers if w is not None for p in _tree(w.pid)],
              "postgres": lambda: _by_name("postgres"), "rabbitmq": lambda: _by_name("beam.smp")}
    before = {g: {p: _ticks(p) for p in f()} for g, f in groups.items()}
    load = open_loop(arm.port, rate, seconds)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and arm.pending():
        time.sleep(0.05)
    after = {g: {p: _ticks(p) for p in f()} for g, f in groups.items()}
    hz = os.sysconf("SC_CLK_TCK")
    per = {g: 1000.0 * sum(t - before[g].get(p, 0) for p, t in after[g].items()) / hz / max(1, load.accepted)
           for g in groups}
    per["total"] = sum(per.values())
    return per


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arms", default="A,E,B,C,D")
    parser.add_argument("--rates", default="50,100,150,200,250", help="offered orders per second, stepped")
    parser.add_argument("--step", type=float, default=4.0, help="seconds of load per step")
    parser.add_argument("--drain", type=float, default=15.0, help="seconds to wait for a step's backlog")
    parser.add_argument("--kill-rate", type=float, default=40.0)
    parser.add_argument("--kill-seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=2, help="tries per step and arm; the better one counts")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--cpu", type=float, metavar="RATE",
                        help="instead: CPU ms per order by process group at RATE orders/s for --step s, per arm")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the arms' processes on the way out
    keys = [k.strip() for k in args.arms.split(",") if k.strip()]
    rates = [float(r) for r in args.rates.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="cravat-bench-tasks-"))
    rng = random.Random(args.seed)
    with scratch_postgresql(os.environ.get("CRAVAT_TEST_POSTGRESQL", DEFAULT_POSTGRESQL), prefix="bench") as pg:
        arms: dict[str, Arm] = {}
        try:
            for key in keys:
                # A, B and C take turns on the same tables, emptied before each step.
                arm = arms[key] = Arm(key, pg if key != "D" else f"sqlite:///{tmp}/orders.db", tmp)
                arm.migrate()
            if args.cpu:
                for key in keys:
                    arm = arms[key]
                    arm.start()
                    try:
                        per = cpu_run(arm, args.cpu, args.step)
                    finally:
                        arm.stop_processes()
                    print(f"{key} CPU ms per order at {args.cpu:g}/s: "
                          + ", ".join(f"{g} {v:.2f}" for g, v in per.items()), flush=True)
                return 0
            steps: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
            turn = 0
            for rate in rates:
                tries: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
                for _ in range(args.repeat):
                    order = keys[turn % len(keys):] + keys[:turn % len(keys)]
                    turn += 1
                    for key in order:
                        arm = arms[key]
                        arm.start()
                        try:
                            result = measure_step(arm, rate, args.step, args.drain)
                        finally:
                            arm.stop_processes()
                        tries[key].append(result)
                        print(f"{key} {rate:>6.0f}/s: {_line(result)}", flush=True)
                for key in keys:  # the better try: others' load on this shared machine only ever slows an arm
                    steps[key].append(max(tries[key], key=lambda r: (r["sustained"], r["achieved"])))
            kills = {}
            for key in keys:
                arm = arms[key]
                arm.start()
                try:
                    kills[key] = killed_run(arm, args.kill_rate, args.kill_seconds, rng)
                finally:
                    arm.stop_processes()
                print(f"{key} under SIGKILL: {kills[key]}", flush=True)
        finally:
            for arm in arms.values():
                arm.stop()
                delete_queues(BROKER, [arm.queue, f"{arm.queue}.dead"])
    text = report(keys, steps, kills, args)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
    return 0


def _line(r: dict[str, Any]) -> str:
    return (f"achieved {r['achieved']:7.1f}/s, p50 {r['p50'] * 1000:7.1f} ms, p99 {r['p99'] * 1000:8.1f} ms, "
            f"{r['active']}/{r['accepted']} active{' (sustained)' if r['sustained'] else ''}"
            f"{' errors ' + str(r['errors']) if r['errors'] else ''}")


def best(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The highest step sustained with every step below it."""
    found = None
    for r in results:
        if not r["sustained"]:
            break
        found = r
    return found


def report(keys: list[str], steps: dict[str, list[dict[str, Any]]], kills: dict[str, Any],
           args: argparse.Namespace) -> str:
    lines = [f"Offered rates {args.rates} orders/s, {args.step:g} s per step, the better of {args.repeat} "
             f"interleaved tries per step; SIGKILL rerun at {args.kill_rate:g}/s for {args.kill_seconds:g} s, "
             f"seed {args.seed}.", "",
             "| arm | max sustained (orders/s) | p50 there | p99 there | peak achieved | ratio to A: sustained, peak |",
             "|---|---|---|---|---|---|"]
    base = best(steps["A"]) if "A" in steps else None
    base_peak = max((r["achieved"] for r in steps.get("A", [])), default=0.0)
    for key in keys:
        b = best(steps[key])
        peak = max(r["achieved"] for r in steps[key])
        sustained = f"{b['rate']:.0f} | {b['p50'] * 1000:.1f} ms | {b['p99'] * 1000:.1f} ms" if b else "none | | "
        if key == "D":
            ratio = "(own)"
        else:
            ratio = (f"{b['rate'] / base['rate']:.2f}" if b and base else "-") + \
                (f", {peak / base_peak:.2f}" if base_peak else "")
        lines.append(f"| {key}: {ARMS[key]} | {sustained} | {peak:.1f}/s | {ratio} |")
    lines += ["", "Every step (achieved orders/s; p50 / p99 ms; * sustained):", "",
              "| rate | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for i, rate in enumerate(float(r) for r in args.rates.split(",")):
        cells = []
        for key in keys:
            r = steps[key][i]
            cells.append(f"{r['achieved']:.0f}; {r['p50'] * 1000:.0f} / {r['p99'] * 1000:.0f}"
                         f"{' *' if r['sustained'] else ''}")
        lines.append(f"| {rate:.0f} | " + " | ".join(cells) + " |")
    lines += ["", "Under random SIGKILLs of the API and the worker:", "",
              "| arm | kills | accepted (202) | refused | saved | ACTIVE | lost | orphaned | duplicate effects |",
              "|---|---|---|---|---|---|---|---|---|"]
    for key in keys:
        k = kills.get(key)
        if k:
            lines.append(f"| {key} | {k['kills']} | {k['accepted']} | {k['refused']} | {k['saved']} | {k['active']} | "
                         f"{k['lost']} | {k['orphaned']} | {k['duplicate_effects']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
