"""Plain functions behind the gateway's cross-service views: no broker, no HTTP, no database.

Routes (gateway/routes/views.py, exports.py, notifications.py) fetch with RPC and hand the
answers to these functions, so each rule here is unit-tested with plain dicts.
"""
