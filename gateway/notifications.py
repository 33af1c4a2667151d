"""The notification centre, fed by the services' events (see gateway.routes.notifications)."""
