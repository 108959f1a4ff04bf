"""Compiled request and response checks: JSON Schema validators, parameter parsing, body parsing."""
