"""`make bench`'s baseline for the gateway: an authenticated route that makes one trivial RPC.

Everything the other routes pay for besides their own work — HTTP, the token, one RPC round
trip to a service and back, the JSON answer — and nothing else.
"""

from gateway.routing import route


@route("GET", "/api/v1/ping", summary="连通性检查：经总线调用一次 planning.ping", tag="ops")
def ping(ctx):
    return ctx.rpc.planning.ping({})
