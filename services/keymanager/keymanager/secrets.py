"""``/v1/secrets`` (placeholder; the controller lands in the next commit)."""


def register(api, km):
    pass
