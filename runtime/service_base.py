"""What every service class has: config, caller identity, metrics, health, its audit trail."""

from nameko.dependency_providers import Config

from contracts.errors import Forbidden
from runtime import audit
from runtime.health import HealthEntrypoints
from runtime.identity import Caller
from runtime.metrics import Metrics
from runtime.rpc import rpc


class ServiceBase(HealthEntrypoints):
    config = Config()
    caller = Caller()
    collector = Metrics()

    @rpc
    def audit_trail(self, payload):
        """The office reads the audit trail of an entity (``entity``, optional ``entity_id``)."""
        identity = self.caller.identity
        if not (identity.is_office or identity.is_system):
            raise Forbidden("只有人大常委会办公室可以查看审计记录", "office_only")
        with self.db.read() as session:
            entries = audit.trail(
                session.connection(), self.db.tables, payload["entity"], payload.get("entity_id")
            )
        for e in entries:
            e["service"] = self.name
        return entries

    @rpc
    def ping(self, payload=None):
        return {"service": self.name, "ok": True}
