"""The caller's notices: listed with unread counts, marked read per user."""

from marshmallow import fields
from sqlalchemy.exc import IntegrityError

from contracts.schemas.base import Answer, ListQuery
from gateway import notifications as feed
from gateway.routing import route

TAG = "notifications"


class NotificationQuery(ListQuery):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Answer):
    id = fields.String(required=True)
    type = fields.String(required=True)
    type_label = fields.String()
    title = fields.String(required=True)
    message = fields.String()
    entity = fields.Dict()
    entity_kind = fields.String(allow_none=True)
    entity_id = fields.String(allow_none=True)
    unit = fields.String()
    due_on = fields.String(allow_none=True)
    created_at = fields.String()
    read = fields.Boolean(required=True)
    read_at = fields.String(allow_none=True)


class ReadAllOut(Answer):
    marked = fields.Integer()
    unread = fields.Integer()


@route(
    "GET",
    "/api/v1/notifications",
    summary="我的通知（?unread=true 只看未读），含未读数",
    tag=TAG,
    query=NotificationQuery,
    response=NotificationOut,
    many=True,
)
def list_notifications(ctx):
    query = ctx.query
    with ctx.db.read() as session:
        return feed.for_user(
            session,
            ctx.identity,
            unread_only=query["unread"],
            limit=query["limit"],
            offset=query["offset"],
        )


@route(
    "POST",
    "/api/v1/notifications/<id>/read",
    summary="标记一条通知为已读",
    tag=TAG,
    response=NotificationOut,
)
def read_notification(ctx, id):
    who = ctx.identity
    try:
        with ctx.db.unit_of_work(who) as uow:
            return feed.mark_read(uow.session, who, id)
    except IntegrityError:  # marked read by a concurrent request: answer what it stored
        with ctx.db.unit_of_work(who) as uow:
            return feed.mark_read(uow.session, who, id)


@route(
    "POST", "/api/v1/notifications/read-all", summary="全部标记为已读", tag=TAG, response=ReadAllOut
)
def read_all_notifications(ctx):
    who = ctx.identity
    try:
        with ctx.db.unit_of_work(who) as uow:
            marked = feed.mark_all_read(uow.session, who)
    except IntegrityError:
        with ctx.db.unit_of_work(who) as uow:
            marked = feed.mark_all_read(uow.session, who)
    return {"marked": marked, "unread": 0}
