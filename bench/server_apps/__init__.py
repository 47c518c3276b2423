"""The core benchmark's apps (bench/apps/) as paste factories, for bench/server.py.

Every server runs the same paste file shape, so cravat's app is loaded the
way a service's is (``use = egg:cravat#api``) and Falcon's through a plain
``paste.app_factory``::

    [app:main]
    use = egg:cravat#api
    api = bench.server_apps:cravat_api
    n = 100
"""

from bench.apps import cravat_app, falcon_app


def cravat_api(n: str = "100"):
    """``api =`` for ``egg:cravat#api``: the core benchmark's cravat API with ``n`` resources."""
    return cravat_app.make_app(int(n))


def falcon_factory(global_conf, n: str = "100"):
    """``paste.app_factory``: the core benchmark's Falcon app with ``n`` resources."""
    return falcon_app.make_app(int(n))
