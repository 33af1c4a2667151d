"""The one package shared by services, gateway and adapters: registry, events, schemas, errors."""
