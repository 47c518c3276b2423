"""The order task: Barbican's BeginTypeOrder on cravat's task template.

1. ``process`` (no transaction open, may run twice): check the crypto plugin can make what the order's
   meta asks, as Barbican's plugin lookups do, and generate it: a symmetric key, or a key pair;
2. ``handle_success`` (in the transaction that marks the task done, so exactly once): store the key as a
   secret, or the pair as private and public secrets (and the passphrase as a third) in a container of
   the algorithm's type (``rsa``, or ``dsa`` whose keys are DER as Barbican's), and set the order ACTIVE
   with its ``secret_id`` or ``container_id`` and Barbican's sub-status ``Unknown``;
3. ``handle_error``: the order is ERROR with Barbican's ``error_status_code`` and ``error_reason``.

Barbican's failures, kept: an algorithm no secret store knows is 400 ``Secret generate supported plugin
not found.``; one it knows but of the other kind (rsa for a key order, aes for an asymmetric one, or one
no crypto plugin generates) is 400 ``Requested algorithm is not supported``; a bit length or mode the
plugin cannot do is 500 (Barbican's CryptoPluginUnsupportedOperation is no HTTP error), each reason in
generate_safe_exception_message's words, ``Process TypeOrder issue seen - <reason>.`` (Barbican's
double full stop after a reason that has its own, kept).
"""

from __future__ import annotations

import logging
from typing import Any

import cravat.tasks
from cravat.tasks import TaskFailed
from keymanager import crypto, store
from keymanager.containers import add_container
from keymanager.context import KeyManager, parse_time, utcnow
from keymanager.models import Order
from keymanager.orders import ORDERS, normalize_content_type

LOG = logging.getLogger(__name__)

#: Barbican's secret_store.KeyAlgorithm: what some secret store generates (store_crypto.generate_supports).
STORE_SYMMETRIC = ("aes", "des", "desede", "hmacsha1", "hmacsha256", "hmacsha384", "hmacsha512")
STORE_ASYMMETRIC = ("diffie_hellman", "dsa", "rsa", "ec")

#: The task's name in the task table.
NAME = "keymanager.process_type_order"
TASK_NAME = "Process TypeOrder"  # BeginTypeOrder.get_name(), the prefix of every error reason
FAILURE = f"{TASK_NAME} failure seen - please contact site administrator."


def issue(reason: str) -> str:
    """generate_safe_exception_message's words for a Barbican HTTP exception's client message."""
    return f"{TASK_NAME} issue seen - {reason}."


def check_generation(plugin: crypto.CryptoPlugin, order_type: str, algorithm: str, bit_length: int,
                     mode: str | None) -> str:
    """The plugin kind that makes this order's key; else :class:`TaskFailed` as Barbican's lookups fail."""
    alg = algorithm.lower()
    if alg not in STORE_SYMMETRIC and alg not in STORE_ASYMMETRIC:
        raise TaskFailed(issue("Secret generate supported plugin not found."), 400)
    if alg in crypto.SYMMETRIC_ALGORITHMS:
        kind = crypto.SYMMETRIC_KEY_GENERATION
    elif alg in crypto.ASYMMETRIC_ALGORITHMS:
        kind = crypto.ASYMMETRIC_KEY_GENERATION
    else:
        raise TaskFailed(issue("Requested algorithm is not supported"), 400)
    wanted = crypto.SYMMETRIC_KEY_GENERATION if order_type == "key" else crypto.ASYMMETRIC_KEY_GENERATION
    if kind != wanted:
        raise TaskFailed(issue("Requested algorithm is not supported"), 400)
    if not plugin.supports(kind, alg, bit_length, mode if order_type == "key" else None):
        LOG.info("no crypto plugin generates %s %s bits (mode %s)", alg, bit_length, mode)
        raise TaskFailed(FAILURE, 500)
    return kind


class ProcessTypeOrder(cravat.tasks.Task):
    """Make what a ``key`` or ``asymmetric`` order asks, store it, and set the order ACTIVE."""

    name = NAME
    repository = ORDERS
    max_attempts = 3

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    def is_short(self, run: cravat.tasks.TaskRun) -> bool:
        """A symmetric key is a moment's work (its request runs it after answering); a key pair is not."""
        return run.arguments.get("type") == "key"

    def process(self, order: Order, run: cravat.tasks.TaskRun) -> Any:
        meta = order.meta or {}
        algorithm, bit_length, mode = meta.get("algorithm"), meta.get("bit_length"), meta.get("mode")
        if not isinstance(algorithm, str) or not isinstance(bit_length, int):
            raise TaskFailed(FAILURE, 500)  # the API validated them; a row changed under us
        check_generation(self.km.crypto, order.type, algorithm, bit_length, mode)
        if order.type == "key":
            return self.km.crypto.generate_symmetric(bit_length)
        passphrase = meta.get("passphrase")
        if passphrase is not None and not isinstance(passphrase, str):
            raise TaskFailed(FAILURE, 500)  # simple_crypto cannot encode it either
        return self.km.crypto.generate_asymmetric(algorithm, bit_length, passphrase or None)

    def handle_success(self, session: Any, order: Order, result: Any, run: cravat.tasks.TaskRun) -> None:
        meta = order.meta or {}
        expiration = meta.get("expiration")
        common = {"project_id": order.project_id, "creator_id": order.creator_id, "name": meta.get("name"),
                  "content_type": normalize_content_type(meta.get("payload_content_type")
                                                         or "application/octet-stream"),
                  "algorithm": meta.get("algorithm"), "bit_length": meta.get("bit_length"),
                  "mode": meta.get("mode"), "expiration": parse_time(expiration) if expiration else None}
        if order.type == "key":
            secret = store.store_secret(session, self.km, payload=result, secret_type="symmetric", **common)
            made = {"secret_id": secret.id}
        else:
            private = store.store_secret(session, self.km, payload=result.private_key, secret_type="private",
                                         **common)
            public = store.store_secret(session, self.km, payload=result.public_key, secret_type="public", **common)
            members = [("private_key", private.id), ("public_key", public.id)]
            if result.passphrase:
                phrase = store.store_secret(session, self.km, payload=result.passphrase, secret_type="passphrase",
                                            **common)
                members.append(("private_key_passphrase", phrase.id))
            container = add_container(session, self.km, project_id=order.project_id, creator_id=order.creator_id,
                                      name=meta.get("name"), type=meta["algorithm"].lower(), members=members)
            made = {"container_id": container.id}
        # Barbican's FollowOnProcessingStatusDTO: a finished order's sub-status is "Unknown", and so its message.
        # The order ACTIVE (what super() would set), all in one UPDATE (PERF: no flush).
        self.record(session, order, **made, sub_status="Unknown", sub_status_message="Unknown",
                    updated_at=utcnow(), **{self.status_field: self.active_status})

    def handle_error(self, session: Any, order: Order, code: int, reason: str, run: cravat.tasks.TaskRun) -> None:
        if not reason.startswith(TASK_NAME):
            # Anything but the failures named above is Barbican's safe message; the log has the cause.
            LOG.warning("order %s failed: %s", order.id, reason)
            code, reason = 500, FAILURE
        order.updated_at = utcnow()
        super().handle_error(session, order, code, reason, run)
