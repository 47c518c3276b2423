"""The controller modules the spec's operationIds name."""
