"""The installable field app: its manifest, service worker, outbox page and what a device keeps offline."""
