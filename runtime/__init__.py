"""Nameko plumbing written once and used by every service."""
