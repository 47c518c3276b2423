"""Metrics: the tools a QPI is measured with."""

from examples.qtip import catalog, common


def list_metrics(limit, qpi=None):
    metrics = catalog.summaries("metrics")
    if qpi is not None:
        metrics = [m for m in metrics if catalog.load("metrics", m["name"]).get("qpi") == qpi]
    return metrics[:limit]


@common.check_endpoint_for_error(resource="Metric", operation="get")
def get_metric(name):
    try:
        return catalog.load("metrics", name)
    except catalog.ResourceNotFound:
        # A metric a QPI names but nobody has defined yet: known, not implemented.
        if any(name in catalog.load("qpis", q).get("metrics", []) for q in catalog.names("qpis")):
            raise NotImplementedError(f"metric {name!r} has no definition yet") from None
        raise
