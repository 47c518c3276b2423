"""A key manager in Barbican's shape, deployed the OpenStack way: a paste file composes it.

``etc/api-paste.ini`` serves a versions document at ``/``, oslo.middleware's
healthcheck at ``/healthcheck`` and the API at ``/v1`` behind oslo.middleware's
filters, keystonemiddleware's auth_token and cravat's context filter.

    cravat serve --paste etc/api-paste.ini                 # keystone pipeline
    cravat serve --paste etc/api-paste.ini --name noauth   # trusts X-Project-Id, for development
    gunicorn examples.keymanager.wsgi:application          # any WSGI server
"""
