"""The notification centre, fed by the services' events (see gateway.routes.notifications).

``NotificationFeed`` is mixed into the gateway service: its event handlers turn the services'
events into per-user notices stored in the gateway's own tables.
"""


class NotificationFeed:
    pass
