"""Query pieces every service's list RPCs use: one page with its total, JSON list membership."""

from sqlalchemy import Text, func, select


def json_list_has(column, value: str):
    """Membership in a JSON list of ids, portable across SQLite and PostgreSQL: the ids are
    plain ASCII, so the quoted id is a substring of the stored JSON text exactly when present."""
    return func.cast(column, Text()).contains(f'"{value}"')


def page(session, stmt, query: dict, *order_by) -> tuple[int, list]:
    """(total, rows of this page) for a ListQuery's ``limit`` and ``offset``."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(
        session.scalars(stmt.order_by(*order_by).limit(query["limit"]).offset(query["offset"]))
    )
    return total, rows
