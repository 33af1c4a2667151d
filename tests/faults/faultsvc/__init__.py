"""A producer and a consumer built only from the platform's runtime, for the fault tests.

They stand in for any two services: the producer commits events into its outbox and the
runtime relay publishes them; the consumer applies each one into a table with the runtime's
idempotent unit of work. The fault tests kill, stop and starve them and count what came out.
"""
