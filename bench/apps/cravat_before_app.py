"""cravat at the baseline revision (``bench/run.py --baseline REV``): cravat_app's API on the older code."""

import os

from bench import baseline
from bench.apps import cravat_app

make_app, make_validated_app = cravat_app.define(baseline.load(os.environ["CRAVAT_BASELINE"]))
