"""Extensions of the example compute API, loaded from the ``compute.api.extensions`` entry points."""
