"""``/v1``: secrets owned by the caller's project, which the context filter gives as ``req.context``."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import cravat
from cravat import Result, errors


class SecretStore:
    """Secrets by id, each owned by a project; safe to share between the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, dict[str, Any]] = {}

    def add(self, project_id: str, creator_id: str | None, name: str) -> dict[str, Any]:
        secret = {"secret_id": str(uuid.uuid4()), "name": name, "project_id": project_id,
                  "creator_id": creator_id}
        with self._lock:
            self._secrets[secret["secret_id"]] = secret
        return secret

    def owned_by(self, project_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [s for s in self._secrets.values() if s["project_id"] == project_id]

    def get(self, project_id: str, secret_id: str) -> dict[str, Any]:
        with self._lock:
            secret = self._secrets.get(secret_id)
        # Another project's secret is as absent as a missing one.
        if secret is None or secret["project_id"] != project_id:
            raise errors.NotFound(f"Secret {secret_id} not found.")
        return secret


def _project(req: cravat.Request) -> str:
    """The caller's project, or 401: an anonymous context (no token, or an invalid one) owns nothing."""
    context = req.context
    if context is None or not context.project_id:
        raise errors.Unauthorized("This request needs a token scoped to a project.")
    return context.project_id


class SecretsController:
    def __init__(self, store: SecretStore) -> None:
        self.store = store

    def _view(self, req: cravat.Request, secret: dict[str, Any]) -> dict[str, Any]:
        return {"name": secret["name"], "creator_id": secret["creator_id"],
                "secret_ref": req.url_for("secrets:show", id=secret["secret_id"])}

    def index(self, req: cravat.Request) -> dict[str, Any]:
        secrets = self.store.owned_by(_project(req))
        return {"secrets": [self._view(req, s) for s in secrets], "total": len(secrets)}

    def show(self, req: cravat.Request, id: str) -> dict[str, Any]:
        return self._view(req, self.store.get(_project(req), id))

    def create(self, req: cravat.Request, body: Any) -> Result:
        project_id = _project(req)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise errors.BadRequest("The body must be an object with a non-empty 'name'.")
        secret = self.store.add(project_id, req.context.user_id, name)
        ref = req.url_for("secrets:show", id=secret["secret_id"])
        return Result({"secret_ref": ref}, headers={"Location": ref})


def build_app(**settings: Any) -> cravat.API:
    """The ``/v1`` API with its own store; ``settings`` go to ``cravat.APIOptions`` (from the paste file)."""
    settings.setdefault("error_style", "barbican")
    api = cravat.API(**settings)
    api.resource("/secrets", SecretsController(SecretStore()))
    return api
