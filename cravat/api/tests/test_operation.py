import pytest

from cravat.api.operation import DeclarationError, compile_operation
from cravat.routing.template import parse_template


def op(handler, template="/servers/{id}", **kw):
    return compile_operation("servers:x", "GET", parse_template(template), handler, **kw)


def test_a_handler_naming_every_path_parameter_gets_them_all():
    compiled = op(lambda req, id: None)
    assert compiled.param_names == ("id",)
    assert compiled.pass_params is None
    assert not compiled.takes_body


def test_a_handler_may_leave_out_path_parameters():
    compiled = op(lambda req, id: None, template="/{project_id}/servers/{id}")
    assert compiled.pass_params == ("id",)


def test_a_handler_with_var_keywords_gets_every_path_parameter():
    compiled = op(lambda req, **params: None, template="/{project_id}/servers/{id}")
    assert compiled.pass_params is None


def test_body_is_bound_and_required_unless_it_has_a_default():
    assert op(lambda req, id, body: None).body_required
    optional = op(lambda req, id, body=None: None)
    assert optional.takes_body and not optional.body_required


def test_a_parameter_that_is_neither_path_nor_body_is_a_start_up_error():
    with pytest.raises(DeclarationError) as info:
        op(lambda req, id, colour: None)
    assert "takes 'colour', which is neither a path parameter of /servers/{id} nor one of body, query" in \
        str(info.value)


def test_a_handler_must_take_the_request():
    with pytest.raises(DeclarationError, match="must take the request as its first argument"):
        op(lambda: None, template="/ping")


def test_the_status_line_is_computed_once():
    assert op(lambda req, id: None, status=202).status_line == "202 Accepted"


def test_a_status_that_is_not_http_is_refused():
    with pytest.raises(DeclarationError, match="success status 42 is not an HTTP status"):
        op(lambda req, id: None, status=42)


def test_moving_an_operation_rebinds_it_to_the_new_template():
    compiled = op(lambda req, id: None)
    moved = compiled.at(parse_template("/{project_id}/servers/{id}"))
    assert moved.param_names == ("project_id", "id")
    assert moved.pass_params == ("id",)
    assert moved.name == compiled.name


def test_keyword_only_parameters_bind_like_any_other():
    compiled = op(lambda req, *, id, body=None: None)
    assert compiled.pass_params is None
    assert compiled.takes_body and not compiled.body_required


def test_a_handler_taking_star_args_takes_the_request():
    assert op(lambda *args, **kw: None).pass_params is None


def test_a_bound_method_does_not_count_self():
    class Controller:
        def show(self, req, id, body=None):
            return id

    compiled = op(Controller().show)
    assert compiled.pass_params is None and not compiled.body_required


def test_wrapped_handlers_are_read_through_their_wrapper():
    import functools

    def show(req, id, body):
        return id

    @functools.wraps(show)
    def wrapper(*args, **kwargs):
        return show(*args, **kwargs)

    assert op(wrapper).body_required


def test_callable_objects_and_partials_are_bound_by_their_signature():
    import functools

    class Handler:
        def __call__(self, req, id):
            return id

    assert op(Handler()).pass_params is None
    partial = op(functools.partial(lambda prefix, req, id, colour=None: None, "p"))
    assert partial.pass_params is None and not partial.takes_body
