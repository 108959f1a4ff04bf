"""Backends an operation routes to: `python` (Lambda proxy handlers) and `mock`."""
