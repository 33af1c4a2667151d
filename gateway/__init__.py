"""The HTTP API, its auth, the cross-service views and the web client."""
