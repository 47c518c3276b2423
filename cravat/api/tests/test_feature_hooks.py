"""Kernel hooks later features use: compile checks, declaration extras, rule defaults on handlers."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest

import cravat
from cravat.api.controllers import controller_declarations
from cravat.api.declarations import Where
from cravat.api.declare import declaration


class Things:
    def show(self, req, id):
        return {"id": id}


def test_a_compile_check_runs_once_compiled_and_reads_the_route_table():
    api = cravat.API()
    api.resource("/things", Things())
    seen = []
    api.add_compile_check(lambda a: seen.append([r.operation.name for r in a.route_table()]))
    api.compile()
    api.compile()
    assert seen == [["things:show"]]


def test_a_compile_check_that_raises_leaves_the_api_uncompiled():
    api = cravat.API()
    api.resource("/things", Things())
    calls = []

    def refuse(a):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("not yet")

    api.add_compile_check(refuse)
    with pytest.raises(ValueError, match="not yet"):
        api.compile()
    assert api.compile().implementation("things:show").name == "things:show"  # compiled on the second try
    assert len(calls) == 2


def test_the_extras_of_a_declaration_are_its_implementations_extras():
    api = cravat.API()
    (decl,) = controller_declarations(Things(), "/things", "things", "{id}", Where("here.py", 1),
                                      mounts=api.mounts)
    api.add_declarations([dataclasses.replace(decl, extras=MappingProxyType({"extension": "x-things"}))])
    assert api.implementation("things:show").extras == {"extension": "x-things"}


def test_a_rule_with_a_check_string_records_its_default_on_the_handler():
    @cravat.rule("things:show", "role:reader", "Show a thing.", scope_types=["project"])
    def show(req, id):
        return {}

    facts = declaration(show)
    assert facts.rule == "things:show"
    assert (facts.rule_spec.check_str, facts.rule_spec.description, facts.rule_spec.scope_types) == \
        ("role:reader", "Show a thing.", ("project",))


def test_a_rule_without_a_check_string_takes_no_description():
    with pytest.raises(ValueError, match="need the default's check string"):
        cravat.rule("things:show", description="Show.")
