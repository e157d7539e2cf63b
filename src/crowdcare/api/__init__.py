"""Thin HTTP handlers: parse input, check access, call one action, serialise the result."""
