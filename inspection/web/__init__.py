"""Shared request helpers of the web layer: argument parsing, problems as responses, template helpers."""
