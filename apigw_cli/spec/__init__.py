"""Loading: YAML/JSON files with positions on demand, `$ref` resolution across files, versions."""

from apigw_cli.spec.discover import discover_spec
from apigw_cli.spec.document import Location, SpecDocument, load_spec

__all__ = ["Location", "SpecDocument", "discover_spec", "load_spec"]
