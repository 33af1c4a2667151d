"""Research routes (课题共研): API.md's research table, passed to the research service."""

from contracts.schemas import research as s
from gateway.routing import route

TAG = "research"
BASE = "/api/v1/research-topics"


@route(
    "POST",
    BASE,
    summary="确定理论研究课题（办公室；每年至多 2 个）",
    tag=TAG,
    body=s.TopicIn,
    response=s.TopicOut,
    status=201,
)
def create_topic(ctx):
    body = dict(ctx.body)
    body["due_on"] = body["due_on"].isoformat()
    return ctx.rpc.research.create_topic(body)


@route(
    "GET",
    BASE,
    summary="理论研究课题列表",
    tag=TAG,
    query=s.TopicQuery,
    response=s.TopicOut,
    many=True,
)
def list_topics(ctx):
    return ctx.rpc.research.list_topics(ctx.query)


@route(
    "GET",
    f"{BASE}/<id>",
    summary="课题详情（研究成果及其版本、关联对象、经过）",
    tag=TAG,
    response=s.TopicOut,
)
def get_topic(ctx, id):
    return ctx.rpc.research.get_topic({"id": id})


@route(
    "POST",
    f"{BASE}/<id>/outputs",
    summary="提交研究成果（牵头或参与单位）",
    tag=TAG,
    body=s.OutputIn,
    response=s.OutputOut,
    status=201,
)
def add_output(ctx, id):
    return ctx.rpc.research.add_output({**ctx.body, "topic_id": id})


@route(
    "GET",
    f"{BASE}/<id>/outputs",
    summary="课题的研究成果",
    tag=TAG,
    response=s.OutputOut,
    many=True,
)
def list_outputs(ctx, id):
    return ctx.rpc.research.list_outputs({"topic_id": id})


@route(
    "GET", f"{BASE}/<id>/outputs/<output_id>", summary="研究成果详情", tag=TAG, response=s.OutputOut
)
def get_output(ctx, id, output_id):
    return ctx.rpc.research.get_output({"topic_id": id, "output_id": output_id})


@route(
    "POST",
    f"{BASE}/<id>/outputs/<output_id>/versions",
    summary="提交研究成果新版本（牵头或参与单位共同撰写）",
    tag=TAG,
    body=s.VersionIn,
    response=s.OutputOut,
    status=201,
)
def add_version(ctx, id, output_id):
    return ctx.rpc.research.add_version({**ctx.body, "topic_id": id, "output_id": output_id})


@route(
    "GET",
    f"{BASE}/<id>/outputs/<output_id>/versions",
    summary="研究成果的历次版本",
    tag=TAG,
    response=s.OutputVersionOut,
    many=True,
)
def list_versions(ctx, id, output_id):
    return ctx.rpc.research.list_versions({"topic_id": id, "output_id": output_id})


@route(
    "PUT",
    f"{BASE}/<id>/links",
    summary="设置课题研究的监督事项与整改问题（办公室或牵头单位）",
    tag=TAG,
    body=s.LinksIn,
    response=s.TopicOut,
)
def set_links(ctx, id):
    return ctx.rpc.research.set_links({**ctx.body, "topic_id": id})


@route(
    "POST",
    f"{BASE}/<id>/links",
    summary="关联一个监督事项或整改问题（办公室或牵头单位）",
    tag=TAG,
    body=s.LinkIn,
    response=s.TopicOut,
    status=201,
)
def add_link(ctx, id):
    return ctx.rpc.research.add_link({**ctx.body, "topic_id": id})


@route(
    "POST",
    f"{BASE}/<id>/conclude",
    summary="课题结题（办公室；须有最终研究报告）",
    tag=TAG,
    body=s.ConcludeIn,
    response=s.TopicOut,
)
def conclude_topic(ctx, id):
    return ctx.rpc.research.conclude_topic({**ctx.body, "topic_id": id})
