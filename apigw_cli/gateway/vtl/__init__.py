"""Mapping templates: the managed gateway's Velocity dialect on a maintained engine (airspeed-ext).

`java` is how values look and which methods they have (Java's, as the managed gateway's Java
Velocity shows them), `engine` compiles a template once and renders it, `variables` are `$input`
and `$util`. Nothing here imports airspeed until a spec has a template (engine.py is imported
where a template is compiled).
"""
