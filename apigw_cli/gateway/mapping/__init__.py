"""The managed gateway's data mapping of non-proxy integrations, between the method request and
response the client sees and the integration request and response the backend sees: mapping
templates chosen by media type (`templates`), parameter mappings (`parameters`), integration
responses chosen by selection pattern (`responses`), and the per-request state they share
(`scope`). Compiled once per snapshot; a request only evaluates them."""
