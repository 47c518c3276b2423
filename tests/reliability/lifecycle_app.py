"""An API whose start-up and shutdown hooks write ``start PID`` and ``stop PID`` to ``$LIFECYCLE_LOG``."""

from __future__ import annotations

import os

import cravat


def _write(event: str) -> None:
    with open(os.environ["LIFECYCLE_LOG"], "a") as log:
        log.write(f"{event} {os.getpid()}\n")


class Ping:
    def on_get(self, req: cravat.Request) -> dict:
        return {"pid": os.getpid()}


app = cravat.API()
app.route("/ping", Ping())
app.on_startup(lambda: _write("start"))
app.on_shutdown(lambda: _write("stop"))
