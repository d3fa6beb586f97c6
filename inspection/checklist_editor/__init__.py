"""Checklist management in the browser: edit, check, preview, publish, retire and compare checklists."""
