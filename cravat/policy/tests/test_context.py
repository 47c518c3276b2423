"""The request context: who is calling, from keystonemiddleware's headers, kept out of thread-locals."""

from __future__ import annotations

import threading

from oslo_context import context as oslo_context

from cravat.policy.context import RequestContext, context_from_environ

CONFIRMED = {
    "HTTP_X_IDENTITY_STATUS": "Confirmed",
    "HTTP_X_USER_ID": "u-1",
    "HTTP_X_PROJECT_ID": "p-1",
    "HTTP_X_ROLES": "reader, member",
    "openstack.request_id": "req-11111111-1111-4111-8111-111111111111",
    "openstack.global_request_id": "req-22222222-2222-4222-8222-222222222222",
}


def test_a_confirmed_identity_gives_the_user_project_and_roles():
    ctx = context_from_environ(CONFIRMED, trust_headers=False)
    assert (ctx.user_id, ctx.project_id, ctx.roles) == ("u-1", "p-1", ["reader", "member"])


def test_the_request_ids_come_from_the_request_id_filters_environ_keys():
    ctx = context_from_environ(CONFIRMED, trust_headers=False)
    assert ctx.request_id == "req-11111111-1111-4111-8111-111111111111"
    assert ctx.global_request_id == "req-22222222-2222-4222-8222-222222222222"


def test_an_invalid_identity_gives_an_anonymous_context_whatever_the_headers_say():
    ctx = context_from_environ({**CONFIRMED, "HTTP_X_IDENTITY_STATUS": "Invalid"}, trust_headers=False)
    assert (ctx.user_id, ctx.project_id, ctx.roles, ctx.is_admin_project) == (None, None, [], False)


def test_an_anonymous_context_keeps_the_request_ids():
    ctx = context_from_environ({**CONFIRMED, "HTTP_X_IDENTITY_STATUS": "Invalid"}, trust_headers=False)
    assert ctx.request_id == CONFIRMED["openstack.request_id"]
    assert ctx.global_request_id == CONFIRMED["openstack.global_request_id"]


def test_without_an_identity_status_the_context_is_anonymous():
    environ = {k: v for k, v in CONFIRMED.items() if k != "HTTP_X_IDENTITY_STATUS"}
    assert context_from_environ(environ, trust_headers=False).user_id is None


def test_trusting_headers_takes_them_as_sent_without_an_identity_status():
    environ = {"HTTP_X_USER_ID": "dev", "HTTP_X_PROJECT_ID": "p-9", "HTTP_X_ROLES": "admin"}
    ctx = context_from_environ(environ, trust_headers=True)
    assert (ctx.user_id, ctx.project_id, ctx.roles) == ("dev", "p-9", ["admin"])


def test_the_context_is_oslo_contexts_so_oslo_policy_can_read_it():
    ctx = context_from_environ(CONFIRMED, trust_headers=False)
    assert isinstance(ctx, oslo_context.RequestContext)
    assert ctx.to_policy_values()["project_id"] == "p-1"


def test_a_context_is_never_stored_as_the_threads_current_one():
    seen = []

    def build() -> None:
        context_from_environ(CONFIRMED, trust_headers=False)
        RequestContext(user_id="direct")
        seen.append(oslo_context.get_current())

    thread = threading.Thread(target=build)  # a fresh thread: no context stored yet
    thread.start()
    thread.join(timeout=5)
    assert seen == [None]
