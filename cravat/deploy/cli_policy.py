"""``cravat policy sample``: the sample policy file of an API, from the rules it registers.

    cravat policy sample examples.compute:app                  # to stdout
    cravat policy sample examples.compute:app -o policy.yaml.sample

The rules are the API's own registry (core operations and every extension
loaded), formatted as oslo.policy's ``oslopolicy-sample-generator`` formats
them, every rule commented out with its description, operations and scopes.
"""

from __future__ import annotations

import argparse
import sys

from oslo_policy import generator

from cravat.api.app import API
from cravat.deploy.loading import LoadError, load_object


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    policy = commands.add_parser("policy", help="inspect an API's policy rules")
    actions = policy.add_subparsers(dest="policy_command", required=True)
    sample = actions.add_parser("sample", help="write the sample policy file of an API",
                                description="Write the API's rule defaults as a sample YAML policy file, every "
                                            "rule commented out, as oslopolicy-sample-generator writes them.")
    sample.add_argument("app", help="the API, as package.module:attribute")
    sample.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    sample.set_defaults(run=_sample)


def load_api(spec: str) -> API:
    """The compiled API ``spec`` names (an API, or a function building one)."""
    obj = load_object(spec)
    try:
        if callable(obj) and not isinstance(obj, API) and not isinstance(obj, type):
            obj = obj()
        if not isinstance(obj, API):
            raise LoadError(f"{spec} is a {type(obj).__name__}, not a cravat API nor a function building one")
        return obj.compile()
    except ValueError as exc:  # a declaration, policy or extension error: the API does not start
        raise LoadError(f"{spec} does not start: {exc}") from exc


def sample_text(api: API) -> str:
    """The sample policy file: oslo.policy's own formatting of every registered default."""
    # oslo.policy has no public function from defaults to text; its generator's formatter is the
    # one operators know, so it is used as it is (oslo.policy is pinned below 7).
    return "".join(generator._format_rule_default_yaml(default) for default in api.policy.defaults)


def _sample(args: argparse.Namespace) -> int:
    text = sample_text(load_api(args.app))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0
