"""Server adapters: one module per server, each with ``run(options, app) -> exit status``.

``granian`` (the default), ``gunicorn`` and ``uwsgi`` are production servers
embedded through their own APIs; ``dev`` is the standard-library development
server. :mod:`cravat.deploy.server` chooses among them.
"""
