"""What every benchmark app shares that is not routing: the Nova action rule.

Each app does its own routing, serialization and errors, idiomatically for its
framework; only this rule is the same everywhere, so it lives once.
"""

ACTIONS = frozenset({"reboot"})


def action_name(body):
    """Name the action a Nova-style action body asks for, or None.

    The body is an object with exactly one key, the action's name::

        >>> action_name({"reboot": None})
        'reboot'
        >>> action_name({"reboot": None, "stop": None}) is None
        True
    """
    if not isinstance(body, dict) or len(body) != 1:
        return None
    (name,) = body
    return name if name in ACTIONS else None
