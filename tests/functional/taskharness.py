"""Real processes for the task fault tests: the orders API, its workers, a TCP proxy, a RabbitMQ node.

Every process is started here and killed here, by its own pid; every wait
is bounded in time. The API and the workers run tests/functional/taskapp.py
configured by environment variables, as a deployment would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.functional.conftest import Client

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CRAVAT = str(Path(sys.executable).parent / "cravat")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Proc:
    """One child process, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._out = open(log, "ab")  # noqa: SIM115 - open while the process lives
        self.popen = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def children(self) -> list[int]:
        """The pids of this process's children (a Celery worker's pool)."""
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def kill(self) -> None:
        """SIGKILL it and wait for it: what a crash does."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        """SIGKILL it and every process of its session (orphaned Celery children included)."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        self._out.close()

    def text(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")


class Deployment:
    """The orders service on one database (and, for celery, one broker and queue): API and workers."""

    def __init__(self, tmp: Path, url: str, transport: str, *, broker_url: str | None = None,
                 queue: str | None = None, **settings: Any) -> None:
        self.tmp = tmp
        self.url = url
        self.engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                                       poolclass=sa.pool.NullPool)
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "TASKAPP_DATABASE_URL": url,
                    "TASKAPP_TRANSPORT": transport, "TASKAPP_POLL": "0.1", "TASKAPP_LEASE": "5",
                    "TASKAPP_RELAY_GRACE": "0.5", "TASKAPP_SWEEP_AFTER": "5"}
        if broker_url:
            self.env["TASKAPP_BROKER_URL"] = broker_url
        if queue:
            self.env["TASKAPP_QUEUE"] = queue
        self.env.update({f"TASKAPP_{k.upper()}": str(v) for k, v in settings.items()})
        self.broker_url = broker_url
        self.queue = queue
        self.procs: list[Proc] = []
        self.port = free_port()
        self.api: Proc | None = None
        self.client = Client(f"http://127.0.0.1:{self.port}")

    def run(self, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CRAVAT, *argv], env={**self.env, **env}, cwd=ROOT, capture_output=True, text=True,
                              timeout=60)

    def migrate(self) -> None:
        done = self.run("db", "upgrade", "--app", "tests.functional.taskapp:app")
        assert done.returncode == 0, done.stderr

    def start_api(self, threads: int = 0, **env: str) -> Proc:
        proc = self._start("api", [PYTHON, "-m", "tests.functional.taskapp", str(self.port)],
                           {"TASKAPP_THREADS": str(threads), **env})
        wait_until(lambda: port_open(self.port) or proc.popen.poll() is not None, 20, "the API to listen")
        assert proc.popen.poll() is None, proc.text()
        self.api = proc
        return proc

    def start_worker(self, *args: str, **env: str) -> Proc:
        proc = self._start("worker", [CRAVAT, "worker", "--app", "tests.functional.taskapp:app", *args], env)
        wait_until(lambda: " ready." in proc.text() or "thread(s) on" in proc.text()
                   or proc.popen.poll() is not None, 30, "the worker to start")
        assert proc.popen.poll() is None, proc.text()
        return proc

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, argv, {**self.env, **env}, self.tmp / f"{name}-{len(self.procs)}.log")
        self.procs.append(proc)
        return proc

    def order(self, **spec: Any) -> str:
        answer = self.client.post("/orders", json={"order": spec})
        assert answer.status == 202, answer.body
        return answer.json()["order_ref"].rsplit("/", 1)[1]

    def sql(self, text: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(text), params))

    def wait_state(self, order_id: str, state: str, timeout: float = 20) -> None:
        wait_until(lambda: self.sql("SELECT 1 FROM cravat_tasks WHERE entity = :o AND state = :s",
                                    o=order_id, s=state), timeout, f"the task of {order_id} to be {state}")

    def settled(self, timeout: float = 30) -> dict[str, Any]:
        """Wait until no order is PENDING; then what happened: orders by status, tasks, effects."""
        wait_until(lambda: not self.sql("SELECT 1 FROM taskapp_orders WHERE status = 'PENDING'"), timeout,
                   "every order to leave PENDING: " + json.dumps(self.summary(), default=str))
        return self.summary()

    def summary(self) -> dict[str, Any]:
        statuses = dict(self.sql("SELECT status, COUNT(*) FROM taskapp_orders GROUP BY status"))
        states = dict(self.sql("SELECT state, COUNT(*) FROM cravat_tasks GROUP BY state"))
        effects = [n for (n,) in self.sql("SELECT COUNT(*) FROM taskapp_effects GROUP BY order_id")]
        orphans = self.sql("SELECT o.id FROM taskapp_orders o LEFT JOIN cravat_tasks t ON t.entity = o.id "
                           "WHERE t.id IS NULL")
        return {"orders": statuses, "tasks": states, "effects": sorted(set(effects)),
                "effect_rows": sum(effects), "orphans": len(orphans)}

    def close(self) -> None:
        for proc in self.procs:
            proc.stop()
        self.engine.dispose()
        if self.queue and self.broker_url:
            delete_queues(self.broker_url, [self.queue, f"{self.queue}.dead"])


def delete_queues(broker_url: str, names: list[str]) -> None:
    """Leave the broker as it was: the test's queues deleted (a broker that is gone has none to delete)."""
    import kombu

    try:
        with kombu.Connection(broker_url, connect_timeout=2) as conn:
            channel = conn.channel()
            for name in names:
                channel.queue_delete(name)
    except OSError:
        pass


class TCPProxy:
    """127.0.0.1:port -> target, which a test can cut (every connection reset, new ones refused) and restore."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, []
        if listener is not None:
            listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut while this one was being connected
                    client.close()
                    upstream.close()
                    continue
                self._conns.extend((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            source.settimeout(None)
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


class RabbitNode:
    """A RabbitMQ node of the test's own (port, data directory), so it can be SIGKILLed and restarted.

    It is the same RabbitMQ as the machine's (its server, its on-disk quorum
    queues); only its port and its files are the test's, so killing it
    disturbs nothing else.
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"cravat{self.port}@localhost"
        base.mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\n")
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self, timeout: float = 60) -> None:
        env = {**os.environ, "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_PORT": str(self.port),
               "RABBITMQ_DIST_PORT": str(self.dist_port), "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
               "RABBITMQ_LOG_BASE": str(self.base / "log"), "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
               "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
               "RABBITMQ_PID_FILE": str(self.base / "pid"), "HOME": str(self.base)}
        out = open(self.base / "server.log", "ab")  # noqa: SIM115 - the node writes it while it lives
        self.proc = subprocess.Popen(["/usr/lib/rabbitmq/bin/rabbitmq-server"], env=env, cwd=self.base,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: port_open(self.port) or self.proc.poll() is not None, timeout, "RabbitMQ to listen",
                   interval=0.2)
        assert self.proc.poll() is None, (self.base / "server.log").read_text()[-2000:]

    def kill(self) -> None:
        """SIGKILL the node: its Erlang VM and the processes of its session."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None
        wait_until(lambda: not port_open(self.port), 10, "RabbitMQ to stop listening")
