"""Check strings, strictly: oslo.policy's parser, with a failure that is an error rather than a silent deny.

oslo.policy turns a check string it cannot parse into ``!`` (deny all) and
logs it; a typo in a policy file then quietly locks everyone out of an
operation. cravat parses with oslo's own tokenizer and reducer but raises
:class:`CheckStringError` saying what is wrong, so a bad default is an error
where it is declared and a bad override is an error naming the file.

>>> parse_check_string("role:reader and project_id:%(project_id)s")
<AndCheck ...>
>>> parse_check_string("role:reader and")
Traceback (most recent call last):
CheckStringError: 'role:reader and' does not parse: ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oslo_policy import _checks, _parser


class CheckStringError(ValueError):
    """A check string oslo.policy's language cannot read."""


def parse_check_string(check_str: Any) -> _checks.BaseCheck:
    """The check tree of ``check_str`` (text, or oslo's older list of lists), or :class:`CheckStringError`."""
    if isinstance(check_str, str):
        for token in _parser._tokenize_re.split(check_str):
            _check_token(check_str, token.lstrip("("))
        state = _parser.ParseState()
        for token in _parser._parse_tokenize(check_str):
            state.shift(token)
        if not check_str:
            return _checks.TrueCheck()
        try:
            return state.result
        except ValueError:
            raise CheckStringError(f"{check_str!r} does not parse: 'and', 'or', 'not' and parentheses must join "
                                   "checks of the form kind:match (or @, !)") from None
    if isinstance(check_str, Sequence) and all(isinstance(i, (str, Sequence)) for i in check_str):
        for inner in check_str:
            for item in [inner] if isinstance(inner, str) else inner:
                if not isinstance(item, str):
                    raise CheckStringError(f"{check_str!r} does not parse: {item!r} is not a check string")
                _check_single(str(check_str), item)
        return _parser.parse_rule(check_str)  # type: ignore[arg-type]
    raise CheckStringError(f"{check_str!r} is a {type(check_str).__name__}, not a check string")


def _check_token(check_str: str, token: str) -> None:
    """One token as oslo's tokenizer reads it (leading parentheses gone): an operator, a quoted string, a check."""
    clean = token.rstrip(")")
    if not clean or clean.lower() in ("and", "or", "not"):
        return
    # As oslo tests it: quotes around the token before its closing parentheses are dropped.
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        raise CheckStringError(f"{check_str!r} does not parse: the quoted {token!r} is not a check")
    _check_single(check_str, clean)


def _check_single(check_str: str, token: str) -> None:
    """A single check must be ``@``, ``!`` or ``kind:match``; oslo would make anything else ``!``."""
    if token in ("@", "!"):
        return
    if ":" not in token:
        raise CheckStringError(f"{check_str!r} does not parse: {token!r} is not of the form kind:match "
                               "(role:admin, rule:owner, project_id:%(project_id)s) nor @ or !")
