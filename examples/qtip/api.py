"""The QTIP app, as QTIP's ``__main__.get_app`` built it with Connexion."""

from __future__ import annotations

from pathlib import Path

import cravat.openapi

SPEC_DIR = Path(__file__).parent


def get_app(**settings: object) -> cravat.openapi.App:
    app = cravat.openapi.App(__name__, specification_dir=SPEC_DIR, **settings)
    app.add_api("swagger.yaml", base_path="/v1.0", strict_validation=True, validate_responses=True)
    return app


application = get_app()
