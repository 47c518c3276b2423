"""The one options object of an API: every setting the request path reads."""

from __future__ import annotations

from dataclasses import dataclass

from cravat.http.faults import STYLES

PROJECT_ID_MODES = (None, "optional", "required")


@dataclass(frozen=True, slots=True)
class APIOptions:
    """Settings of one API, fixed when it is created.

    >>> APIOptions(error_style="barbican", project_id="optional")
    """

    #: Shape of error bodies: "nova", "barbican" or "problem" (RFC 9457).
    error_style: str = "nova"
    #: Request bodies larger than this many bytes get 413.
    max_body_size: int = 1024 * 1024
    #: JSON request bodies nested deeper than this get 400.
    max_json_depth: int = 32
    #: Mount every route also (``"optional"``) or only (``"required"``) under ``/{project_id}``.
    project_id: str | None = None
    #: The pattern a project id segment must match.
    project_id_pattern: str = "[0-9a-f-]+"

    def __post_init__(self) -> None:
        if self.error_style not in STYLES:
            raise ValueError(f"error_style {self.error_style!r} is not one of {', '.join(STYLES)}")
        if self.project_id not in PROJECT_ID_MODES:
            raise ValueError(f"project_id {self.project_id!r} is not one of None, 'optional', 'required'")
        if self.max_body_size < 0 or self.max_json_depth < 1:
            raise ValueError("max_body_size must be >= 0 and max_json_depth >= 1")
