"""What an operation routes to, one module a kind: `python` (Lambda proxy handlers), `http`
(a pooled aiohttp client), `mock`, the AWS non-proxy integrations (aws_custom), and the ones that
cannot run here (unavailable: they answer a 5xx naming why). base.py is the interface; the
compiler's registries (compiling/integrations.py, compiling/aws_integrations.py) build them."""
