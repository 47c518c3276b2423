"""GET /v1/secrets's query, as Barbican 23's secrets repository builds it: the page of a project's unexpired
secrets, its filters (name, alg, mode, bits, secret_type, created/updated/expiration ranges), sorts,
``acl_only`` and the limit/offset paging values cleaned as Barbican's ``clean_paging_values``.

The usual listing (no filter, no sort) runs statements built once (``COUNT_PROJECT``, ``PAGE_PROJECT``);
:func:`filtered_page` builds them per call.
"""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any

from sqlalchemy import String, and_, asc, bindparam, cast, desc, func, or_, select

from keymanager.context import parse_time
from keymanager.models import Secret, SecretACL

#: barbican.conf's default_limit_paging and max_limit_paging.
DEFAULT_LIMIT_PAGING, MAX_LIMIT_PAGING = 10, 100
SORT_KEYS = ("algorithm", "bit_length", "created", "expiration", "mode", "name", "secret_type", "status",
             "updated")

_SECRETS = Secret.__table__
_ACLS = SecretACL.__table__

_UNEXPIRED = or_(_SECRETS.c.expiration.is_(None), _SECRETS.c.expiration > bindparam("now"))
_OF_PROJECT = and_(_UNEXPIRED, _SECRETS.c.project_id == bindparam("project"))
#: The query parameters that filter a listing (besides ``name``, ``bits``, ``sort`` and ``acl_only``).
FILTERS = ("alg", "mode", "secret_type", "created", "updated", "expiration")
COUNT_PROJECT = select(func.count()).select_from(_SECRETS).where(_OF_PROJECT)
# PERF: the total is its own COUNT, not COUNT(*) OVER () on the page: the window makes SQLite read and sort
# every row of the project (payloads included) for a page of ten, 25 times the two queries at 2,400 secrets.
#: What a listed secret shows; PERF: not its ciphertext and key columns, which a page has no use for.
LISTED = (_SECRETS.c.id, _SECRETS.c.name, _SECRETS.c.secret_type, _SECRETS.c.algorithm, _SECRETS.c.bit_length,
          _SECRETS.c.mode, _SECRETS.c.expiration, _SECRETS.c.status, _SECRETS.c.content_type,
          _SECRETS.c.creator_id, _SECRETS.c.created_at, _SECRETS.c.updated_at)
#: A secret's values (a Row's or a Secret's) in LISTED's order, for secrets.secret_view.
secret_values = attrgetter(*(column.key for column in LISTED))
PAGE_PROJECT = (select(*LISTED).where(_OF_PROJECT).order_by(_SECRETS.c.created_at, _SECRETS.c.id)
                 .limit(bindparam("limit")).offset(bindparam("offset")))


def filtered_page(session: Any, params: Any, name: str, bits: int, sort: str | None, acl_only: bool,
                  user_id: str | None, project_id: str, now: Any, offset: int, limit: int) -> tuple[int, list[Any]]:
    """The total and the page of a listing with filters, a sort or ``acl_only``: statements built per call."""
    conditions = [or_(_SECRETS.c.expiration.is_(None), _SECRETS.c.expiration > now)]
    if name:
        conditions.append(_SECRETS.c.name.like(name))
    if params.get("alg"):
        conditions.append(_SECRETS.c.algorithm.like(params["alg"]))
    if params.get("mode"):
        conditions.append(_SECRETS.c.mode.like(params["mode"]))
    if bits > 0:
        conditions.append(_SECRETS.c.bit_length == bits)
    if params.get("secret_type"):
        conditions.append(_SECRETS.c.secret_type == params["secret_type"])
    for date_filter, column in (("created", _SECRETS.c.created_at), ("updated", _SECRETS.c.updated_at),
                                ("expiration", _SECRETS.c.expiration)):
        if params.get(date_filter):
            conditions.extend(_date_conditions(column, params[date_filter]))
    if acl_only:
        conditions.append(_SECRETS.c.id.in_(_acl_secret_ids(session, user_id)))
    else:
        conditions.append(_SECRETS.c.project_id == project_id)
    where = and_(*conditions)
    connection = session.connection()
    total = connection.execute(select(func.count()).select_from(_SECRETS).where(where)).scalar()
    query = select(*LISTED).where(where).order_by(*_ordering(sort)).limit(limit).offset(offset)
    return total, connection.execute(query).all()


def paging(offset_arg: Any, limit_arg: Any) -> tuple[int, int]:
    """Barbican's clean_paging_values: bad or negative values fall back, the limit is capped at 100."""
    try:
        offset = int(offset_arg or 0)
        if offset < 0 or offset > 2**63 - 1:
            offset = 0
    except ValueError:
        offset = 0
    try:
        limit = int(limit_arg or DEFAULT_LIMIT_PAGING)
        limit = min(max(limit, 1), MAX_LIMIT_PAGING)
    except ValueError:
        limit = DEFAULT_LIMIT_PAGING
    return offset, limit


def page_href(base: str, offset: int, limit: int, query_string: str) -> str:
    href = f"{base}?limit={limit}&offset={offset}"
    return f"{href}&{query_string}" if query_string else href


#: Barbican's _is_valid_date_filter: each operator, and the operators it may not stand beside.
_DATE_EXCLUSIONS = {"gt": ("gt", "gte"), "gte": ("gt", "gte", "eq"), "lt": ("lt", "lte"),
                    "lte": ("lt", "lte", "eq"), "eq": ("eq", "gte", "lte")}


def valid_date_filter(date_filter: str) -> bool:
    """Barbican's _is_valid_date_filter: gt/gte/lt/lte/eq, each at most once, no contradictory pair."""
    seen: set[str] = set()
    try:
        for item in date_filter.split(","):
            operator, colon, moment = item.partition(":")
            if not colon or operator not in _DATE_EXCLUSIONS or operator == "eq":
                operator, moment = "eq", item  # a bare time (its own colons are not an operator's)
            if seen.intersection(_DATE_EXCLUSIONS[operator]):
                return False
            parse_time(moment)
            seen.add(operator)
    except ValueError:
        return False
    return True


def _date_conditions(column: Any, date_filters: str) -> list[Any]:
    conditions = []
    for item in date_filters.split(","):
        for prefix, make in (("lte:", lambda c, t: c <= t), ("lt:", lambda c, t: c < t),
                             ("gte:", lambda c, t: c >= t), ("gt:", lambda c, t: c > t)):
            if item.startswith(prefix):
                conditions.append(make(column, parse_time(item[len(prefix):])))
                break
        else:
            conditions.append(column == parse_time(item))
    return conditions


def valid_sorting(sorting: str) -> bool:
    seen = set()
    for item in sorting.split(","):
        if ":" in item:
            parts = item.split(":")
            if len(parts) != 2:
                return False
            key, direction = parts
        else:
            key, direction = item, "asc"
        if key not in SORT_KEYS or direction not in ("asc", "desc") or key in seen:
            return False
        seen.add(key)
    return True


_SORT_COLUMNS = {"created": _SECRETS.c.created_at, "updated": _SECRETS.c.updated_at, "algorithm": _SECRETS.c.algorithm,
                 "bit_length": _SECRETS.c.bit_length, "expiration": _SECRETS.c.expiration, "mode": _SECRETS.c.mode,
                 "name": _SECRETS.c.name, "secret_type": _SECRETS.c.secret_type, "status": _SECRETS.c.status}


def _ordering(sort: str | None) -> list[Any]:
    """The ORDER BY: the requested keys, then creation order (Barbican leaves it to the database)."""
    ordering = []
    for item in (sort.split(",") if sort else ()):
        key, _, direction = item.partition(":")
        ordering.append((desc if direction == "desc" else asc)(_SORT_COLUMNS[key]))
    return [*ordering, _SECRETS.c.created_at, _SECRETS.c.id]


def _acl_secret_ids(session: Any, user_id: str) -> list[str]:
    """Secrets whose ACLs name ``user_id`` (Barbican's acl_only=true listing), across projects."""
    needle = json.dumps(user_id)
    rows = session.connection().execute(
        select(_ACLS.c.secret_id, _ACLS.c.users)
        .where(cast(_ACLS.c.users, String).like(f"%{_escape_like(needle)}%", escape="\\")))
    return sorted({secret_id for secret_id, users in rows if user_id in (users or ())})


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
