"""One module per framework, each serving the same API from ``make_app(n)``."""
