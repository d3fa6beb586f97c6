"""Backup and restore: the database (SQLite online backup or pg_dump) and the media files, with a manifest."""
