"""The one options object of an API: every setting the request path reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cravat.http.faults import STYLES
from cravat.http.hosts import check_public_endpoint
from cravat.versions.negotiation import Microversions

PROJECT_ID_MODES = (None, "optional", "required")
RESPONSE_VALIDATION_MODES = ("ignore", "warn", "error")


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
    #: The API's microversions (service type, min, max, legacy header); None for an unversioned API.
    microversions: Microversions | None = None
    #: Request schemas must say, for every object, whether unknown properties are allowed
    #: (``additionalProperties``): an error at start-up when True, a logged warning when False.
    strict_validation: bool = True
    #: What a response that breaks its declared schema does: "ignore", "warn" (log) or "error" (500).
    response_validation: str = "ignore"
    #: The URL clients reach the API at (``https://keymanager.example.com``): links and Location
    #: headers start with it instead of the request's own scheme and Host, as Barbican's
    #: ``host_href`` and Nova's ``compute_link_prefix`` do.
    public_endpoint: str | None = None
    #: JSON bodies whose objects name a key twice get 400 unless this is True (then the last value wins).
    allow_duplicate_json_keys: bool = False
    #: JSON Schema ``format`` checks beyond fastjsonschema's own and ``uuid``: name -> regex or function.
    formats: Mapping[str, str | Callable[[str], bool]] | None = None
    #: The YAML policy file overriding the rule defaults in code (oslo.policy's format); re-read
    #: when it changes. None: the defaults only.
    policy_file: str | None = None
    #: A policy file key that names no registered rule (and that no rule refers to) is a start-up
    #: error naming the nearest rule; True makes it a warning, as oslo.policy itself is silent.
    policy_allow_unknown_rules: bool = False
    #: A denied request on a member route answers 404, not 403, so callers cannot learn what exists.
    policy_hide_existence: bool = False
    #: oslo.policy's ``enforce_new_defaults``: None leaves oslo's default (True); False ORs each rule's
    #: ``deprecated_rule`` check string in, unless the policy file overrides the rule.
    policy_enforce_new_defaults: bool | None = None

    def __post_init__(self) -> None:
        if self.error_style not in STYLES:
            raise ValueError(f"error_style {self.error_style!r} is not one of {', '.join(STYLES)}")
        if self.project_id not in PROJECT_ID_MODES:
            raise ValueError(f"project_id {self.project_id!r} is not one of None, 'optional', 'required'")
        if self.response_validation not in RESPONSE_VALIDATION_MODES:
            raise ValueError(f"response_validation {self.response_validation!r} is not one of "
                             f"{', '.join(RESPONSE_VALIDATION_MODES)}")
        if self.max_body_size < 0:
            raise ValueError(f"max_body_size must be >= 0, not {self.max_body_size}")
        if self.max_json_depth < 1:
            raise ValueError(f"max_json_depth must be >= 1, not {self.max_json_depth}")
        if self.public_endpoint is not None:
            check_public_endpoint(self.public_endpoint)
