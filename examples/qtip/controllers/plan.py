"""Plans: which QPIs to run, where."""

from examples.qtip import catalog, common


def list_plans():
    return catalog.summaries("plans"), 200


@common.check_endpoint_for_error(resource="Plan")
def get_plan(name):
    return catalog.load("plans", name)
