"""Kill points for the fault tests: ``CRAVAT_TASKS_KILL_AT=<point>`` SIGKILLs the process there.

The suite proves that no task is lost and none runs its effect twice
whichever process dies at whichever step; killing at a named step makes
each such test exact instead of a race against a timer. Unset (always, in
production) a point costs one comparison.

With ``CRAVAT_TASKS_KILL_ONCE=<file>`` only the first process to reach the
point dies (it creates the file), so a restarted process goes on.

Points: ``api-after-commit`` (the request committed, nothing announced),
``relay-after-publish`` (published, not yet marked), ``worker-before-commit``
(a short task's effect written in its one transaction, not committed), ``worker-after-commit``
(the task's end committed, the broker's message not yet acknowledged).
"""

from __future__ import annotations

import os
import signal

ENV = "CRAVAT_TASKS_KILL_AT"
ONCE = "CRAVAT_TASKS_KILL_ONCE"
_KILL_AT = os.environ.get(ENV) or None


def point(name: str) -> None:
    if _KILL_AT is not None and name == _KILL_AT:
        once = os.environ.get(ONCE)
        if once:
            try:
                os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return
        os.kill(os.getpid(), signal.SIGKILL)
