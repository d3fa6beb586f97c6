"""Where media files live: one small interface over the local folder or an S3-compatible bucket (pure: no Flask)."""
