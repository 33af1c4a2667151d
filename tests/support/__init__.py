"""Helpers the test suites share: throwaway RabbitMQ vhosts and PostgreSQL databases, the stack."""
