"""Status lines computed once: ``STATUS_LINES[404] == "404 Not Found"``."""

from http import HTTPStatus

STATUS_LINES: dict[int, str] = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


def status_line(code: int) -> str:
    """The WSGI status line for ``code``, also for codes HTTPStatus does not name."""
    line = STATUS_LINES.get(code)
    return line if line is not None else f"{code} Unknown"
