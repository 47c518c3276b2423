"""A QTIP-style catalog service, spec-first: ``swagger.yaml`` (Swagger 2.0) names the handler functions.

QTIP (OPNFV's NFVI benchmarking platform) served its API with Connexion:
plans, QPIs (performance indexes of the compute, storage and network
subsystems) and metrics, each read from a folder of YAML definitions. The
same spec and controller modules run here on cravat:

    cravat run examples/qtip/swagger.yaml
    cravat serve --app examples.qtip.api:application
    curl -s localhost:8080/v1.0/plans/compute
    curl -s localhost:8080/v1.0/plans/nope        # 404 problem+json
"""
