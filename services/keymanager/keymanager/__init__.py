"""A key manager speaking the OpenStack Key Manager (Barbican) API v1, built on cravat's public surface.

``keymanager.app:build_app`` is the ``/v1`` API (paste: ``etc/api-paste.ini``), ``keymanager.versions``
the versions document at ``/``.
"""
