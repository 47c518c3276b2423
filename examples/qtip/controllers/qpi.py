"""QPIs: performance indexes of one NFVI subsystem."""

from examples.qtip import catalog, common


def list_qpis():
    return catalog.summaries("qpis")


@common.check_endpoint_for_error(resource="QPI")
def get_qpi(name):
    return catalog.load("qpis", name)
