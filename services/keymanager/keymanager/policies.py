"""The key manager's policy: Barbican 23's rule defaults (barbican/common/policies/*.py), ported.

Every rule keeps Barbican's name, check string, scope and description, and
its legacy check string as the ``deprecated_rule``. The new check strings
start with ``True:%(enforce_new_defaults)s``, read from the target, which
Barbican fills from oslo.policy's option of that name.

``enforce_new_defaults`` is False here by default: each documented rule is
its new check string ORed with the legacy one, so the roles that count are
``admin``, ``creator``, ``observer`` and ``audit`` (and
``key-manager:service-admin``). Barbican 23.0.0 leaves the option to
oslo.policy 6 (True; the ``opts.set_defaults(..., enforce_new_defaults=False)``
of Barbican's master in May 2026 is not in the release), and then its
no-auth pipeline, which makes a request without ``X-Roles`` an ``admin``,
refuses what the real clients' ``--no-auth`` sends (403 on a secret store:
``secrets:post`` wants ``member``). False is the configuration in which
Barbican 23 serves them, and the clients' tests run it so. The setting
``policy_enforce_new_defaults = true`` gives Barbican 23.0.0's exact default.

Owner and ACL checks read a target built from the loaded secret or
container (:func:`secret_target`, :func:`container_target`), as Barbican's
``ACLMixin.get_acl_tuple`` builds it:

>>> secret_target(secret, acls, user_id="u2")
{'target': {'secret': {'read': 'read', 'read_project_access': True, 'project_id': 'p1', 'creator_id': 'u1'}}}

A controller names its rule with :func:`rule` (Barbican's rule name and
its operation's words for the 403), and an operation on a loaded entity
checks it in the handler with :func:`authorize_secret` /
:func:`authorize_container` / :func:`authorize_order`, or ``req.authorize``
with a target it built (``secret_metadata.find_secret`` reads the secret and
its ACLs in one query)::

    @policies.rule("secret:get", "Secret retrieval", in_handler=True)
    def show(self, req, secret_id, session):
        secret = find_the_secret(session, secret_id)          # 404 first, as Barbican's _lookup
        policies.authorize_secret(req, session, secret)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import select

import cravat
from cravat.policy import DeprecatedRule, DocumentedRuleDefault, Policy, RuleDefault
from keymanager.models import ContainerACL, SecretACL

F = TypeVar("F", bound=Callable[..., Any])

#: Barbican's deprecation reason for every legacy check string.
LEGACY_POLICY_DEPRECATION = ("The default policy for the Key Manager API has been updated "
                             "to use scopes and default roles.")
#: oslo_log's ``versionutils.deprecated.WALLABY``.
DEPRECATED_SINCE = "W"
#: The key manager's default (see the module's docstring); Barbican 23.0.0's own is oslo.policy's True.
ENFORCE_NEW_DEFAULTS = False


def denied_message(operation: str) -> str:
    """Barbican's 403 description for a policy denial (``generate_safe_exception_message``).

    >>> denied_message("Secret retrieval")
    'Secret retrieval attempt not allowed - please review your user/project privileges'
    """
    return f"{operation} attempt not allowed - please review your user/project privileges"


BASE_RULES: tuple[tuple[str, str], ...] = (
    ('secret_project_match', 'project_id:%(target.secret.project_id)s'),
    ('secret_project_reader', 'role:reader and rule:secret_project_match'),
    ('secret_project_member', 'role:member and rule:secret_project_match'),
    ('secret_project_admin', 'role:admin and rule:secret_project_match'),
    ('secret_owner', 'user_id:%(target.secret.creator_id)s'),
    ('secret_is_not_private', 'True:%(target.secret.read_project_access)s'),
    ('secret_acl_read', "'read':%(target.secret.read)s"),
    ('container_project_match', 'project_id:%(target.container.project_id)s'),
    ('container_project_member', 'role:member and rule:container_project_match'),
    ('container_project_admin', 'role:admin and rule:container_project_match'),
    ('container_owner', 'user_id:%(target.container.creator_id)s'),
    ('container_is_not_private', 'True:%(target.container.read_project_access)s'),
    ('container_acl_read', "'read':%(target.container.read)s"),
    ('order_project_match', 'project_id:%(target.order.project_id)s'),
    ('order_project_member', 'role:member and rule:order_project_match'),
    ('audit', 'role:audit'),
    ('observer', 'role:observer'),
    ('creator', 'role:creator'),
    ('admin', 'role:admin'),
    ('service_admin', 'role:key-manager:service-admin'),
    ('all_users', 'rule:admin or rule:observer or rule:creator or rule:audit or rule:service_admin'),
    ('all_but_audit', 'rule:admin or rule:observer or rule:creator'),
    ('admin_or_creator', 'rule:admin or rule:creator'),
    ('secret_creator_user', 'user_id:%(target.secret.creator_id)s'),
    ('secret_private_read', "'False':%(target.secret.read_project_access)s"),
    ('secret_non_private_read', 'rule:all_users and rule:secret_project_match and not rule:secret_private_read'),
    ('secret_decrypt_non_private_read', ('rule:all_but_audit and rule:secret_project_match and not '
                                          'rule:secret_private_read')),
    ('secret_project_creator', 'rule:creator and rule:secret_project_match and rule:secret_creator_user'),
    ('secret_project_creator_role', 'rule:creator and rule:secret_project_match'),
    ('container_private_read', "'False':%(target.container.read_project_access)s"),
    ('container_creator_user', 'user_id:%(target.container.creator_id)s'),
    ('container_non_private_read', ('rule:all_users and rule:container_project_match and not '
                                     'rule:container_private_read')),
    ('container_project_creator', ('rule:creator and rule:container_project_match and '
                                    'rule:container_creator_user')),
    ('container_project_creator_role', 'rule:creator and rule:container_project_match'),
)

#: (name, check string, description, operations (method, path), the deprecated (legacy) check string)
DOCUMENTED_RULES: tuple[tuple[str, str, str, tuple[tuple[str, str], ...], str], ...] = (
    ('secret_acls:get',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))'),
     ('Retrieve the ACL settings for a given secret.If no ACL is defined for that secret, then Default ACL is '
      'returned.'),
     (('GET', '/v1/secrets/{secret-id}/acl'),),
     'rule:all_but_audit and rule:secret_project_match'),
    ('secret_acls:delete',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))'),
     'Delete the ACL settings for a given secret.',
     (('DELETE', '/v1/secrets/{secret-id}/acl'),),
     ('rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and '
      'rule:secret_non_private_read)')),
    ('secret_acls:put_patch',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))'),
     'Create new, replaces, or updates existing ACL for a given secret.',
     (('PUT', '/v1/secrets/{secret-id}/acl'), ('PATCH', '/v1/secrets/{secret-id}/acl')),
     ('rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and '
      'rule:secret_non_private_read)')),
    ('container_acls:get',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private))'),
     'Retrieve the ACL settings for a given container.',
     (('GET', '/v1/containers/{container-id}/acl'),),
     'rule:all_but_audit and rule:container_project_match'),
    ('container_acls:delete',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private))'),
     'Delete ACL for a given container. No content is returned in the case of successful deletion.',
     (('DELETE', '/v1/containers/{container-id}/acl'),),
     ('rule:container_project_admin or rule:container_project_creator or (rule:container_project_creator_role '
      'and rule:container_non_private_read)')),
    ('container_acls:put_patch',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private))'),
     'Create new or replaces existing ACL for a given container.',
     (('PUT', '/v1/containers/{container-id}/acl'), ('PATCH', '/v1/containers/{container-id}/acl')),
     ('rule:container_project_admin or rule:container_project_creator or (rule:container_project_creator_role '
      'and rule:container_non_private_read)')),
    ('consumer:get',
     ('True:%(enforce_new_defaults)s and (role:admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private) or '
      'rule:container_acl_read)'),
     'DEPRECATED: show information for a specific consumer',
     (('GET', '/v1/containers/{container-id}/consumers/{consumer-id}'),),
     ('rule:admin or rule:observer or rule:creator or rule:audit or rule:container_non_private_read or '
      'rule:container_project_creator or rule:container_project_admin or rule:container_acl_read')),
    ('container_consumers:get',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private) or '
      'rule:container_acl_read)'),
     'List a containers consumers.',
     (('GET', '/v1/containers/{container-id}/consumers'),),
     ('rule:container_non_private_read or rule:container_project_creator or rule:container_project_admin or '
      'rule:container_acl_read')),
    ('container_consumers:post',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private) or '
      'rule:container_acl_read)'),
     'Creates a consumer.',
     (('POST', '/v1/containers/{container-id}/consumers'),),
     ('rule:container_non_private_read or rule:container_project_creator or rule:container_project_admin or '
      'rule:container_acl_read ')),
    ('container_consumers:delete',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private) or '
      'rule:container_acl_read)'),
     'Deletes a consumer.',
     (('DELETE', '/v1/containers/{container-id}/consumers'),),
     ('rule:container_non_private_read or rule:container_project_creator or rule:container_project_admin or '
      'rule:container_acl_read ')),
    ('secret_consumers:get',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or '
      'rule:secret_acl_read)'),
     'List consumers for a secret.',
     (('GET', '/v1/secrets/{secret-id}/consumers'),),
     ('rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or '
      'rule:secret_acl_read')),
    ('secret_consumers:post',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or '
      'rule:secret_acl_read)'),
     'Creates a consumer.',
     (('POST', '/v1/secrets/{secrets-id}/consumers'),),
     ('rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or '
      'rule:secret_acl_read')),
    ('secret_consumers:delete',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or '
      'rule:secret_acl_read)'),
     'Deletes a consumer.',
     (('DELETE', '/v1/secrets/{secrets-id}/consumers'),),
     ('rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or '
      'rule:secret_acl_read')),
    ('containers:post',
     'True:%(enforce_new_defaults)s and role:member',
     'Creates a container.',
     (('POST', '/v1/containers'),),
     'rule:admin_or_creator'),
    ('containers:get',
     'True:%(enforce_new_defaults)s and role:member',
     'Lists a projects containers.',
     (('GET', '/v1/containers'),),
     'rule:all_but_audit'),
    ('container:get',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private) or '
      'rule:container_acl_read)'),
     'Retrieves a single container.',
     (('GET', '/v1/containers/{container-id}'),),
     ('rule:container_non_private_read or rule:container_project_creator or rule:container_project_admin or '
      'rule:container_acl_read')),
    ('container:delete',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private))'),
     'Deletes a container.',
     (('DELETE', '/v1/containers/{uuid}'),),
     'rule:container_project_admin or rule:container_project_creator'),
    ('container_secret:post',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private))'),
     'Add a secret to an existing container.',
     (('POST', '/v1/containers/{container-id}/secrets'),),
     ('rule:container_project_admin or rule:container_project_creator or rule:container_project_creator_role '
      'and rule:container_non_private_read')),
    ('container_secret:delete',
     ('True:%(enforce_new_defaults)s and (rule:container_project_admin or (rule:container_project_member and '
      'rule:container_owner) or (rule:container_project_member and  rule:container_is_not_private))'),
     'Remove a secret from a container.',
     (('DELETE', '/v1/containers/{container-id}/secrets/{secret-id}'),),
     ('rule:container_project_admin or rule:container_project_creator or rule:container_project_creator_role '
      'and rule:container_non_private_read')),
    ('orders:get',
     'True:%(enforce_new_defaults)s and role:member',
     'Gets list of all orders associated with a project.',
     (('GET', '/v1/orders'),),
     'rule:all_but_audit'),
    ('orders:post',
     'True:%(enforce_new_defaults)s and role:member',
     'Creates an order.',
     (('POST', '/v1/orders'),),
     'rule:admin_or_creator'),
    ('orders:put',
     'True:%(enforce_new_defaults)s and role:member',
     'Unsupported method for the orders API.',
     (('PUT', '/v1/orders'),),
     'rule:admin_or_creator'),
    ('order:get',
     'True:%(enforce_new_defaults)s and rule:order_project_member',
     'Retrieves an orders metadata.',
     (('GET', '/v1/orders/{order-id}'),),
     'rule:all_users and project_id:%(target.order.project_id)s'),
    ('order:delete',
     'True:%(enforce_new_defaults)s and rule:order_project_member',
     'Deletes an order.',
     (('DELETE', '/v1/orders/{order-id}'),),
     'rule:admin and project_id:%(target.order.project_id)s'),
    ('quotas:get',
     'True:%(enforce_new_defaults)s and role:reader',
     'List quotas for the project the user belongs to.',
     (('GET', '/v1/quotas'),),
     'rule:all_users'),
    ('project_quotas:get',
     'True:%(enforce_new_defaults)s and role:admin',
     'List quotas for the specified project.',
     (('GET', '/v1/project-quotas'), ('GET', '/v1/project-quotas/{uuid}')),
     'rule:service_admin'),
    ('project_quotas:put',
     'True:%(enforce_new_defaults)s and role:admin',
     'Create or update the configured project quotas for the project with the specified UUID.',
     (('PUT', '/v1/project-quotas/{uuid}'),),
     'rule:service_admin'),
    ('project_quotas:delete',
     'True:%(enforce_new_defaults)s and role:admin',
     'Delete the project quotas configuration for the project with the requested UUID.',
     (('DELETE', '/v1/quotas}'),),
     'rule:service_admin'),
    ('secret_meta:get',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or '
      'rule:secret_acl_read)'),
     ('metadata/: Lists a secrets user-defined metadata. || metadata/{key}: Retrieves a secrets user-added '
      'metadata.'),
     (('GET', '/v1/secrets/{secret-id}/metadata'), ('GET', '/v1/secrets/{secret-id}/metadata/{meta-key}')),
     ('rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or '
      'rule:secret_acl_read')),
    ('secret_meta:post',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))'),
     'Adds a new key/value pair to the secrets user-defined metadata.',
     (('POST', '/v1/secrets/{secret-id}/metadata/{meta-key}'),),
     ('rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and '
      'rule:secret_non_private_read)')),
    ('secret_meta:put',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))'),
     ('metadata/: Sets the user-defined metadata for a secret || metadata/{key}: Updates an existing key/value '
      'pair in the secrets user-defined metadata.'),
     (('PUT', '/v1/secrets/{secret-id}/metadata'), ('PUT', '/v1/secrets/{secret-id}/metadata/{meta-key}')),
     ('rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and '
      'rule:secret_non_private_read)')),
    ('secret_meta:delete',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))'),
     'Delete secret user-defined metadata by key.',
     (('DELETE', '/v1/secrets/{secret-id}/metadata/{meta-key}'),),
     ('rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and '
      'rule:secret_non_private_read)')),
    ('secret:decrypt',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or '
      'rule:secret_acl_read)'),
     'Retrieve a secrets payload.',
     (('GET', '/v1/secrets/{uuid}/payload'),),
     ('rule:secret_decrypt_non_private_read or rule:secret_project_creator or rule:secret_project_admin or '
      'rule:secret_acl_read')),
    ('secret:get',
     ('True:%(enforce_new_defaults)s and (role:admin or rule:secret_project_admin or '
      '(rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and '
      'rule:secret_is_not_private) or rule:secret_acl_read)'),
     'Retrieves a secrets metadata.',
     (('GET', '/v1/secrets/{secret-id}'),),
     ('rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or '
      'rule:secret_acl_read')),
    ('secret:put',
     ('True:%(enforce_new_defaults)s and (rule:secret_project_admin or (rule:secret_project_member and '
      'rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))'),
     'Add the payload to an existing metadata-only secret.',
     (('PUT', '/v1/secrets/{secret-id}'),),
     'rule:admin_or_creator and rule:secret_project_match'),
    ('secret:delete',
     ('True:%(enforce_new_defaults)s and (role:admin or rule:secret_project_admin or '
      '(rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and '
      'rule:secret_is_not_private))'),
     'Delete a secret by uuid.',
     (('DELETE', '/v1/secrets/{secret-id}'),),
     ('rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and not '
      'rule:secret_private_read)')),
    ('secrets:post',
     'True:%(enforce_new_defaults)s and role:member',
     'Creates a Secret entity.',
     (('POST', '/v1/secrets'),),
     'rule:admin_or_creator'),
    ('secrets:get',
     'True:%(enforce_new_defaults)s and role:member',
     'Lists a projects secrets.',
     (('GET', '/v1/secrets'),),
     'rule:all_but_audit'),
    ('secretstores:get',
     'True:%(enforce_new_defaults)s and role:reader',
     'Get list of available secret store backends.',
     (('GET', '/v1/secret-stores'),),
     'rule:all_users'),
    ('secretstores:get_global_default',
     'True:%(enforce_new_defaults)s and role:reader',
     'Get a reference to the secret store that is used as default secret store backend for the deployment.',
     (('GET', '/v1/secret-stores/global-default'),),
     'rule:all_users'),
    ('secretstores:get_preferred',
     'True:%(enforce_new_defaults)s and role:reader',
     'Get a reference to the preferred secret store if assigned previously.',
     (('GET', '/v1/secret-stores/preferred'),),
     'rule:all_users'),
    ('secretstore_preferred:post',
     'True:%(enforce_new_defaults)s and role:admin',
     'Set a secret store backend to be preferred store backend for their project.',
     (('POST', '/v1/secret-stores/{ss-id}/preferred'),),
     'rule:admin'),
    ('secretstore_preferred:delete',
     'True:%(enforce_new_defaults)s and role:admin',
     'Remove preferred secret store backend setting for their project.',
     (('DELETE', '/v1/secret-stores/{ss-id}/preferred'),),
     'rule:admin'),
    ('secretstore:get',
     'True:%(enforce_new_defaults)s and role:reader',
     'Get details of secret store by its ID.',
     (('GET', '/v1/secret-stores/{ss-id}'),),
     'rule:all_users'),
    ('transport_key:get',
     'True:%(enforce_new_defaults)s and role:reader',
     'Get a specific transport key.',
     (('GET', '/v1/transport_keys/{key-id}}'),),
     'rule:all_users'),
    ('transport_key:delete',
     'True:%(enforce_new_defaults)s and role:admin',
     'Delete a specific transport key.',
     (('DELETE', '/v1/transport_keys/{key-id}'),),
     'rule:service_admin'),
    ('transport_keys:get',
     'True:%(enforce_new_defaults)s and role:reader',
     'Get a list of all transport keys.',
     (('GET', '/v1/transport_keys'),),
     'rule:all_users'),
    ('transport_keys:post',
     'True:%(enforce_new_defaults)s and role:admin',
     'Create a new transport key.',
     (('POST', '/v1/transport_keys'),),
     'rule:service_admin'),
)


def list_rules() -> list[RuleDefault]:
    """Every default, as Barbican's ``barbican.common.policies.list_rules()`` gives them (base rules first)."""
    rules: list[RuleDefault] = [RuleDefault(name, check_str) for name, check_str in BASE_RULES]
    for name, check_str, description, operations, legacy in DOCUMENTED_RULES:
        rules.append(DocumentedRuleDefault(
            name=name, check_str=check_str, description=description,
            operations=[{"path": path, "method": method} for method, path in operations],
            scope_types=["project"],
            deprecated_rule=DeprecatedRule(name=name, check_str=legacy, deprecated_reason=LEGACY_POLICY_DEPRECATION,
                                           deprecated_since=DEPRECATED_SINCE)))
    return rules


def get_enforcer() -> Any:
    """An oslo.policy Enforcer with these defaults, as the key manager enforces them (enforce_new_defaults
    False), for oslo's tools: the ``oslo.policy.enforcer`` entry point (``list_rules`` is the
    ``oslo.policy.policies`` one), so ``oslopolicy-policy-generator --namespace keymanager`` works."""
    policy = Policy(enforce_new_defaults=ENFORCE_NEW_DEFAULTS)
    policy.register(list_rules(), where="keymanager.policies", check_operations=False)
    return policy.oslo_enforcer()


def register(api: Any, km: Any = None) -> None:
    """Register the defaults on ``api``, with ``enforce_new_defaults`` False unless the API's options say.

    ``policy_enforce_new_defaults = true`` (a cravat.APIOptions field, so a
    line of the paste file's ``[app:keymanager]``) turns the new defaults on.
    Barbican's documented operations (its ``/v1/secrets/{secret-id}``
    paths) are kept as documentation, not compared with this API's routes.
    """
    option = api.options.policy_enforce_new_defaults
    enforce = ENFORCE_NEW_DEFAULTS if option is None else bool(option)
    api.policy.enforce_new_defaults = enforce
    api.policy.target_defaults["enforce_new_defaults"] = enforce
    api.policy.register(list_rules(), where="keymanager.policies", check_operations=False)


def acl_values(acls: Iterable[Any], user_id: str | None) -> dict[str, Any]:
    """The ACL part of a target, as Barbican's ``ACLMixin.get_acl_dict_for_user`` computes it.

    ``acls`` are the entity's ACL rows (``operation``, ``project_access``,
    ``users``). An operation whose users include the caller appears as
    ``{operation: operation}`` (``'read':%(target.secret.read)s``);
    every row's ``project_access`` as ``<operation>_project_access``; an
    entity without ACL rows gets ``read_project_access = True`` (project
    access by default).
    """
    values: dict[str, Any] = {}
    access: dict[str, Any] = {}
    for acl in acls:
        if user_id in (acl.users or ()):
            values[acl.operation] = acl.operation
        if acl.project_access is not None:
            access[f"{acl.operation}_project_access"] = acl.project_access
    values.update(access or {"read_project_access": True})
    return values


def secret_target(secret: Any, acls: Iterable[Any], user_id: str | None) -> dict[str, Any]:
    """The target of a check on a loaded secret: its project, creator and the caller's ACL values."""
    return {"target": {"secret": {**acl_values(acls, user_id), "project_id": secret.project_id,
                                  "creator_id": secret.creator_id}}}


def container_target(container: Any, acls: Iterable[Any], user_id: str | None) -> dict[str, Any]:
    """The target of a check on a loaded container: its project, creator and the caller's ACL values."""
    return {"target": {"container": {**acl_values(acls, user_id), "project_id": container.project_id,
                                     "creator_id": container.creator_id}}}


def order_target(order: Any) -> dict[str, Any]:
    """The target of a check on a loaded order (Barbican's ``order_project_match``)."""
    return {"target": {"order": {"project_id": order.project_id}}}


def rule(name: str, operation: str, *, in_handler: bool = False) -> Callable[[F], F]:
    """``@cravat.rule(name)`` with Barbican's denial message for ``operation`` ("Secret retrieval").

    ``in_handler=True`` for rules on a loaded secret, container or order:
    the handler then calls :func:`authorize_secret` (or the container's,
    the order's) once it has the entity.
    """
    return cravat.rule(name, in_handler=in_handler, denied=denied_message(operation))


def secret_acls(session: Any, secret_id: str) -> list[SecretACL]:
    return list(session.scalars(select(SecretACL).where(SecretACL.secret_id == secret_id)))


def container_acls(session: Any, container_id: str) -> list[ContainerACL]:
    return list(session.scalars(select(ContainerACL).where(ContainerACL.container_id == container_id)))


def authorize_secret(req: Any, session: Any, secret: Any, *, rule: str | None = None,
                     with_acls: bool = True) -> None:
    """Check the operation's rule (or ``rule``) on a loaded secret: 403 with Barbican's message on a denial.

    The target is Barbican's ``ACLMixin`` one: the secret's project and
    creator and the caller's ACL values. ``with_acls=False`` gives the ACL
    controllers' target of Barbican's master (project and creator only;
    23.0.0's ACL controllers use the whole one).
    """
    user_id = getattr(req.context, "user_id", None)
    if with_acls:
        target = secret_target(secret, secret_acls(session, secret.id), user_id)
    else:
        target = {"target": {"secret": {"project_id": secret.project_id, "creator_id": secret.creator_id}}}
    req.authorize(target, rule=rule)


def authorize_container(req: Any, session: Any, container: Any, *, rule: str | None = None,
                        with_acls: bool = True) -> None:
    """As :func:`authorize_secret`, for a loaded container."""
    user_id = getattr(req.context, "user_id", None)
    if with_acls:
        target = container_target(container, container_acls(session, container.id), user_id)
    else:
        target = {"target": {"container": {"project_id": container.project_id,
                                           "creator_id": container.creator_id}}}
    req.authorize(target, rule=rule)


def authorize_order(req: Any, order: Any, *, rule: str | None = None) -> None:
    """Check the operation's rule (or ``rule``) on a loaded order (Barbican's target: its project)."""
    req.authorize(order_target(order), rule=rule)
