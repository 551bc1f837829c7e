"""The one HTTP server: health, the public API (and later webhooks and the admin web)."""
