"""Request and answer schemas shared by the gateway (validation, OpenAPI) and the services."""
