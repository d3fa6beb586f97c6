"""Entry point for `flask --app app ...`."""

from inspection import create_app

app = create_app()
