"""OpenAPI: spec-first APIs from OpenAPI files, and OpenAPI documents generated from any app.

>>> app = cravat.openapi.App(specification_dir="specs")          # spec-first, as Connexion's App
>>> app.add_api("swagger.yaml", base_path="/v1.0", strict_validation=True)
>>> document = cravat.openapi.generate(api, version="2.5")       # code-first: OpenAPI 3.1 of any app
>>> cravat.openapi.add_docs(api)                                 # /openapi.json and the /ui/ docs page
"""

from cravat.openapi.app import App
from cravat.openapi.binding import LoadError
from cravat.openapi.docs import add_docs
from cravat.openapi.generate import generate, generate_all
from cravat.openapi.resolver import RelativeResolver, Resolver, ResolverError, RestyResolver
from cravat.openapi.spec import SpecError, load_spec

__all__ = ["App", "LoadError", "RelativeResolver", "Resolver", "ResolverError", "RestyResolver", "SpecError",
           "add_docs", "generate", "generate_all", "load_spec"]
