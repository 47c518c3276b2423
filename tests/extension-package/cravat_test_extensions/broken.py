"""An extension whose import fails, as one with a missing dependency does."""

import cravat_test_extensions_no_such_dependency  # noqa: F401

from cravat.extensions import Extension


class WidgetBroken(Extension):
    name, alias = "WidgetBroken", "widget-broken"
