"""Pagination in both OpenStack conventions.

- **limit and marker** (Nova): ``?limit=2&marker=<id of the last item seen>``; a
  full page carries a ``next`` link whose marker is its last item. Keyset
  paging: a page costs the same wherever it is.
- **limit and offset** (Barbican): ``?limit=10&offset=20``; the answer says
  the ``total`` and links ``next`` and ``previous`` when there are such pages.

>>> page = marker_page(session, images.query(project_id=p), Image.id, limit=2, marker=None)
>>> {"images": [view(i) for i in page.items], "images_links": page.links(req)}
>>> page = offset_page(session, orders.query(project_id=p), Order.created, limit=10, offset=0)
>>> {"orders": [...], "total": page.total, **page.links(req)}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from cravat.http.errors import BadRequest

#: The most items one page may hold, whatever ``limit`` asks.
MAX_LIMIT = 1000


@dataclass(frozen=True)
class MarkerPage:
    items: list[Any]
    next_marker: str | None  # the marker of the next page, when this one is full

    def links(self, req: Any) -> list[dict[str, str]]:
        """Nova's ``<collection>_links``: ``[{"rel": "next", "href": ...}]`` when there may be more."""
        if self.next_marker is None:
            return []
        return [{"rel": "next", "href": page_url(req, marker=self.next_marker)}]


@dataclass(frozen=True)
class OffsetPage:
    items: list[Any]
    total: int
    limit: int
    offset: int

    def links(self, req: Any) -> dict[str, str]:
        """Barbican's ``next`` and ``previous`` hrefs, each only when that page exists."""
        links = {}
        if self.offset + self.limit < self.total:
            links["next"] = page_url(req, limit=self.limit, offset=self.offset + self.limit)
        if self.offset > 0:
            links["previous"] = page_url(req, limit=self.limit, offset=max(0, self.offset - self.limit))
        return links


def marker_page(session: Session, stmt: Select[Any], key: Any, *, limit: int | None, marker: Any,
                sort: Any = None, default_limit: int = MAX_LIMIT) -> MarkerPage:
    """The page after ``marker`` (an item's ``key``), ordered by ``sort`` then ``key``.

    An unknown marker is a 400 naming it, as Nova answers.
    """
    limit = _limit(limit, default_limit)
    order = (sort, key) if sort is not None else (key,)
    if marker is not None:
        found = session.execute(select(*order).where(key == marker)).first()
        if found is None:
            raise BadRequest(f"The marker {str(marker)[:64]!r} could not be found.")
        stmt = stmt.where(tuple_(*order) > tuple_(*found)) if sort is not None else stmt.where(key > marker)
    rows = list(session.scalars(stmt.order_by(*order).limit(limit)))
    last = getattr(rows[-1], key.key) if len(rows) == limit and rows else None
    return MarkerPage(rows, None if last is None else str(last))


def offset_page(session: Session, stmt: Select[Any], sort: Any, *, limit: int | None, offset: int | None,
                default_limit: int = 10) -> OffsetPage:
    """``limit`` items from ``offset``, with the total count of ``stmt``."""
    limit = _limit(limit, default_limit)
    offset = offset or 0
    if offset < 0:
        raise BadRequest(f"The offset {offset} is negative.")
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.order_by(sort).limit(limit).offset(offset)))
    return OffsetPage(items, total, limit, offset)


def page_url(req: Any, **changes: Any) -> str:
    """This request's URL with query parameters ``changes`` replaced (the others kept)."""
    params = [(k, v) for k, v in req.GET.items() if k not in changes]
    params.extend((k, str(v)) for k, v in changes.items())
    return f"{req.url_for(req.operation.name)}?{urlencode(params)}"


def _limit(limit: int | None, default: int) -> int:
    if limit is None:
        return min(default, MAX_LIMIT)
    if limit < 1:
        raise BadRequest(f"The limit {limit} must be at least 1.")
    return min(limit, MAX_LIMIT)
