"""A tiny in-memory stand-in for the gateway, for developing the web client before the real stack ran.

Development aid only: the browser tests run against the real stack (see conftest.py). It speaks the
shapes of ../shared/API.md closely enough to click through every page.
Run: python tests/browser/mock_api.py 8765
"""

import json
import mimetypes
import re
import sys
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

STATIC = Path(__file__).resolve().parents[2] / "gateway" / "static"
NOW = datetime(2025, 11, 20, 10, 0).isoformat() + "+08:00"

USERS = {
    "office": ("npc", "office_admin"),
    "leader": ("npc", "viewer"),
    **{
        f"{a}-liaison": (a, "liaison")
        for a in ["cdi", "plc", "inspection", "audit", "finance", "statistics"]
    },
    **{
        f"{s}-reporter": (s, "supervised")
        for s in ["court", "procuratorate", "agriculture", "ecology", "rural"]
    },
}
UNITS = [
    ("npc", "区人大常委会", "npc"),
    ("cdi", "区纪委监委机关", "agency"),
    ("plc", "区委政法委", "agency"),
    ("inspection", "区委巡察办", "agency"),
    ("audit", "区审计局", "agency"),
    ("finance", "区财政局", "agency"),
    ("statistics", "区统计局", "agency"),
    ("court", "区人民法院", "supervised"),
    ("procuratorate", "区人民检察院", "supervised"),
    ("agriculture", "区农业农村委", "supervised"),
    ("ecology", "区生态环境局", "supervised"),
    ("rural", "区乡村振兴局", "supervised"),
    ("town-jieshi", "界石镇", "supervised"),
]
ITEM_TITLES = [
    (
        "生态文明建设工作落实情况、中央第三轮环保督察反馈问题整改落实情况",
        ["cdi", "inspection", "audit"],
        "joint_supervision",
    ),
    (
        "监督对象依法履职情况全过程监督",
        ["cdi", "inspection", "finance", "audit"],
        "joint_supervision",
    ),
    ("司法机关拒绝执行类案件办理情况", ["plc"], "special_governance"),
    (
        "《重庆市实施〈中华人民共和国农业技术推广法〉办法》执法检查",
        ["finance"],
        "law_enforcement_inspection",
    ),
    ("乡村振兴资金使用监管", ["cdi", "inspection", "finance", "audit"], "joint_supervision"),
]

DB: dict = {}
SEQ = [100]


def nid():
    SEQ[0] += 1
    return str(SEQ[0])


def reset():
    DB.clear()
    items = []
    for i, (title, parts, form) in enumerate(ITEM_TITLES, 1):
        items.append(
            {
                "id": str(i),
                "year": 2025,
                "title": title,
                "form": form,
                "lead_unit": "npc",
                "participating_units": parts,
                "key": i == 5,
                "subjects": ["rural", "town-jieshi"] if i == 5 else [],
                "status": "in_progress" if i == 5 else "planned",
                "implementation_plan": {
                    "current_version": 1,
                    "content": "一、工作目标……\n二、工作步骤……",
                    "approved": i == 5,
                    "versions": [],
                },
                "staff": [
                    {"unit": u, "name": f"{u}联络员", "role": "组员"} for u in ["npc", *parts]
                ]
                if i == 5
                else [],
                "milestones": [{"title": "实地走访", "owner_unit": "audit", "due_on": "2025-09-30"}]
                if i == 5
                else [],
                "findings": [
                    {
                        "id": "f1",
                        "title": "衔接资金拨付快于项目进度",
                        "description": "某村产业项目资金已拨付 92%，工程进度仅 35%。",
                        "subject": "town-jieshi",
                        "lead_ids": ["l1"],
                        "problem_ids": ["p1"],
                    }
                ]
                if i == 5
                else [],
            }
        )
    DB["plans"] = {2025: {"year": 2025, "status": "adopted", "items": items}}
    DB["proposals"] = [
        {
            "id": "pr1",
            "year": 2025,
            "title": "乡村振兴衔接资金使用情况",
            "concern_source": "public",
            "rationale": "群众反映资金使用不透明",
            "proposer_unit": "audit",
            "created_at": NOW,
        }
    ]
    DB["meetings"] = [
        {
            "id": "m1",
            "year": 2025,
            "held_on": "2025-02-18",
            "attending_units": [
                "npc",
                "cdi",
                "plc",
                "inspection",
                "audit",
                "finance",
                "statistics",
            ],
            "proposal_ids": ["pr1"],
            "minutes": "会议研究确定 2025 年度协同联动专项监督计划。",
        }
    ]
    DB["leads"] = [
        {
            "id": "l1",
            "subject": "rural",
            "summary": "某村乡村振兴衔接资金疑似挪用",
            "category": "funds",
            "sensitivity": "normal",
            "status": "transferred",
            "source_unit": "npc",
            "holder_unit": "cdi",
            "accept_due": "2025-11-10",
            "feedback_due": "2025-12-10",
            "overdue": True,
            "involved": ["npc", "cdi"],
            "history": [
                {"action": "registered", "unit": "npc", "at": NOW},
                {
                    "action": "transferred",
                    "unit": "npc",
                    "to_unit": "cdi",
                    "reason": "涉嫌违纪",
                    "at": NOW,
                },
            ],
        }
    ]
    DB["problems"] = [
        {
            "id": "p1",
            "title": "衔接资金拨付与项目进度脱节",
            "description": "资金拨付快于项目进度。",
            "subject": "rural",
            "source": "finding",
            "nature": "typical",
            "status": "open",
            "created_at": NOW,
        }
    ]
    DB["tasks"] = [
        {
            "id": "t1",
            "problem_id": "p1",
            "problem_title": "衔接资金拨付与项目进度脱节",
            "responsible_unit": "rural",
            "supervising_units": ["audit", "finance"],
            "measures": "建立资金拨付与项目进度挂钩机制",
            "deadline": "2025-10-31",
            "status": "in_progress",
            "overdue": True,
            "progress": [],
        },
        {
            "id": "t2",
            "problem_id": "p1",
            "problem_title": "衔接资金拨付与项目进度脱节",
            "responsible_unit": "agriculture",
            "supervising_units": ["finance"],
            "measures": "开展项目进度专项检查",
            "deadline": "2025-12-31",
            "status": "submitted",
            "overdue": False,
            "progress": [],
        },
    ]
    DB["key_units"] = [{"year": 2025, "unit": "rural"}, {"year": 2025, "unit": "ecology"}]
    DB["circulars"] = [
        {
            "id": "c1",
            "title": "关于乡村振兴衔接资金使用问题的通报",
            "body": "经协同联动监督发现……",
            "nature": "typical",
            "problem_ids": ["p1"],
            "redact": ["张某"],
            "status": "issued",
            "issued_at": NOW,
            "published": False,
        }
    ]
    DB["topics"] = [
        {
            "id": "r1",
            "year": 2025,
            "title": "人大监督与纪检监察监督贯通协调研究",
            "lead_unit": "npc",
            "participating_units": ["cdi"],
            "questions": ["如何贯通？"],
            "due_on": "2025-12-31",
            "status": "in_progress",
            "outputs": [],
        }
    ]
    DB["records"] = [
        {
            "record_id": "FIN-2025-001",
            "type": "finance.disbursement",
            "subject": "rural",
            "occurred_at": "2025-06-01T09:00:00+08:00",
            "data": {"project": "某村产业路", "disbursed_ratio": 0.92},
            "source_unit": "finance",
            "event_id": "e1",
            "received_at": NOW,
        },
        {
            "record_id": "AUD-2025-007",
            "type": "audit.finding",
            "subject": "rural",
            "occurred_at": "2025-07-01T09:00:00+08:00",
            "data": {"finding": "项目进度滞后", "progress": 0.35},
            "source_unit": "audit",
            "event_id": "e2",
            "received_at": NOW,
        },
    ]
    DB["warnings"] = [
        {
            "id": "w1",
            "title": "资金拨付快于项目进度",
            "rule": "funds_outpace_progress",
            "subject": "rural",
            "status": "open",
            "explanation": "区乡村振兴局某村产业路项目资金拨付 92%，而审计发现进度仅 35%（规则：拨付比例超过进度 30 个百分点）。",
            "records": DB["records"],
            "created_at": NOW,
        }
    ]
    DB["notifications"] = [
        {
            "id": "n1",
            "user": "cdi-liaison",
            "type": "lead_received",
            "title": "有一条线索待您受理",
            "entity_kind": "lead",
            "entity_id": "l1",
            "created_at": NOW,
            "read": False,
        },
        {
            "id": "n2",
            "user": "office",
            "type": "lead_overdue",
            "title": "线索超期未受理",
            "entity_kind": "lead",
            "entity_id": "l1",
            "created_at": NOW,
            "read": False,
        },
        {
            "id": "n3",
            "user": "rural-reporter",
            "type": "task_overdue",
            "title": "整改任务已逾期",
            "entity_kind": "task",
            "entity_id": "t1",
            "created_at": NOW,
            "read": False,
        },
        {
            "id": "n4",
            "user": "office",
            "type": "circular_issued",
            "title": "通报已印发",
            "entity_kind": "circular",
            "entity_id": "c1",
            "created_at": NOW,
            "read": True,
        },
    ]


def err(status, code, message, fields=None):
    return status, {"error": {"code": code, "message": message, "fields": fields or {}}}


def need(body, *names):
    missing = {n: ["此项为必填项"] for n in names if not body.get(n)}
    return err(422, "validation_error", "提交的内容有误", missing) if missing else None


def lst(items):
    return 200, {"items": items, "total": len(items)}


def sees_lead(lead, unit, role):
    return role == "office_admin" or unit in lead["involved"]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, body, ctype="application/json; charset=utf-8", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        url = urlparse(self.path)
        path, q = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
        if method == "GET" and (path == "/" or path.startswith("/static/")):
            f = STATIC / ("index.html" if path == "/" else path[len("/static/") :])
            if not f.is_file():
                return self._send(404, b"not found", "text/plain")
            return self._send(
                200, f.read_bytes(), mimetypes.guess_type(f.name)[0] or "application/octet-stream"
            )
        if path in ("/healthz", "/readyz"):
            return self._send(200, {"status": "ok"})
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        p = path[len("/api/v1") :]
        if p == "/auth/token":
            if body.get("username") in USERS and body.get("password") == "demo":
                return self._send(
                    200,
                    {"access_token": body["username"], "token_type": "bearer", "expires_in": 28800},
                )
            return self._send(*err(401, "invalid_credentials", "用户名或密码不正确"))
        user = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if user not in USERS:
            return self._send(*err(401, "unauthorized", "请先登录"))
        unit, role = USERS[user]
        if p.endswith(".docx") or p.endswith(".xlsx"):
            return self._send(
                200,
                b"PK\x03\x04mock",
                "application/octet-stream",
                {"Content-Disposition": f'attachment; filename="{p.rsplit("/", 1)[-1]}"'},
            )
        status, out = self.api(method, p, q, body, user, unit, role)
        self._send(status, out)

    def api(self, m, p, q, b, user, unit, role):  # noqa: C901 - a mock's switchboard
        write = role != "viewer"
        if p == "/me":
            return 200, {"username": user, "unit": unit, "role": role}
        if p == "/units":
            return lst(
                [{"id": i, "name": n, "kind": k, "supervision_type": None} for i, n, k in UNITS]
            )
        if p == "/dashboard":
            tasks = DB["tasks"]
            return 200, {
                "year": int(q.get("year", 2025)),
                "mechanisms": {
                    "planning": {"items": 5, "proposals": len(DB["proposals"]), "meetings": 1},
                    "sharing": {"records": len(DB["records"]), "warnings": len(DB["warnings"])},
                    "leads": {"leads": len(DB["leads"])},
                    "rectification": {
                        "problems": len(DB["problems"]),
                        "tasks": len(tasks),
                        "circulars": len(DB["circulars"]),
                    },
                    "results": {"results": 3},
                    "research": {"topics": len(DB["topics"])},
                },
                "overdue": {
                    "leads": sum(x["overdue"] for x in DB["leads"]),
                    "tasks": sum(x["overdue"] for x in tasks),
                },
                "per_unit": {
                    "cdi": {"items": 3, "leads": 1},
                    "audit": {"items": 3, "tasks": 2},
                    "finance": {"items": 3, "tasks": 2},
                    "inspection": {"items": 2},
                    "plc": {"items": 1},
                },
            }
        mt = re.fullmatch(r"/plans/(\d+)", p)
        if mt:
            plan = DB["plans"].get(int(mt[1]))
            return (200, plan) if plan else err(404, "not_found", "该年度尚无计划")
        if p == "/plans" and m == "POST":
            if role != "office_admin":
                return err(403, "forbidden", "仅办公室可创建计划")
            if int(b["year"]) in DB["plans"]:
                return err(409, "plan_exists", "该年度已有计划")
            DB["plans"][int(b["year"])] = {"year": int(b["year"]), "status": "draft", "items": []}
            return 201, DB["plans"][int(b["year"])]
        mt = re.fullmatch(r"/plans/(\d+)/items", p)
        if mt and m == "POST":
            bad = need(b, "title", "form", "lead_unit")
            if bad:
                return bad
            item = {
                "id": nid(),
                "year": int(mt[1]),
                "status": "planned",
                "staff": [],
                "milestones": [],
                "findings": [],
                "implementation_plan": None,
                **b,
            }
            DB["plans"][int(mt[1])]["items"].append(item)
            return 201, item
        mt = re.fullmatch(r"/plans/(\d+)/adopt", p)
        if mt:
            plan = DB["plans"][int(mt[1])]
            if not any(i["key"] for i in plan["items"]):
                return err(409, "plan_needs_key_item", "每年至少明确一个重点监督事项")
            plan["status"] = "adopted"
            return 200, plan
        items = {i["id"]: i for pl in DB["plans"].values() for i in pl["items"]}
        mt = re.fullmatch(r"/items/([^/]+)(?:/(.+))?", p)
        if mt:
            item = items.get(mt[1])
            if not item:
                return err(404, "not_found", "未找到")
            action = mt[2]
            if action is None:
                return 200, item
            if not write:
                return err(403, "forbidden", "只读用户不能操作")
            if action == "start":
                if not (item["implementation_plan"] or {}).get("approved"):
                    return err(409, "plan_not_approved", "实施方案尚未批准")
                item["status"] = "in_progress"
            elif action == "findings":
                bad = need(b, "title", "description", "subject")
                if bad:
                    return bad
                item["findings"].append({"id": nid(), **b})
                return 201, item["findings"][-1]
            elif action == "implementation-plan":
                v = (item["implementation_plan"] or {}).get("version", 0) + 1
                item["implementation_plan"] = {
                    "version": v,
                    "content": b.get("content"),
                    "approved": False,
                }
            elif action == "implementation-plan/approve":
                item["implementation_plan"]["approved"] = True
            elif action == "staff":
                item["staff"].append(b)
            elif action == "milestones":
                item["milestones"].append(b)
            elif action == "conclude":
                item["status"] = "concluded"
                item["conclusion"] = b.get("conclusion")
            return 200, item
        mt = re.fullmatch(r"/findings/([^/]+)/to-lead", p)
        if mt:
            lead = self.new_lead(
                {
                    "subject": "rural",
                    "summary": "由发现问题移送",
                    "category": "funds",
                    "sensitivity": "normal",
                },
                unit,
            )
            return 201, lead
        if p == "/proposals":
            if m == "POST":
                bad = need(b, "title", "rationale", "concern_source")
                if bad:
                    return bad
                DB["proposals"].append({"id": nid(), "proposer_unit": unit, "created_at": NOW, **b})
                return 201, DB["proposals"][-1]
            return lst([x for x in DB["proposals"] if str(x["year"]) == q.get("year", "2025")])
        if p == "/meetings":
            if m == "POST":
                DB["meetings"].append({"id": nid(), **b})
                return 201, DB["meetings"][-1]
            return lst([x for x in DB["meetings"] if str(x["year"]) == q.get("year", "2025")])
        if p == "/leads":
            if m == "POST":
                bad = need(b, "subject", "summary", "category")
                if bad:
                    return bad
                return 201, self.new_lead(b, unit)
            if role in ("viewer", "supervised"):
                return lst([])
            return lst([x for x in DB["leads"] if sees_lead(x, unit, role)])
        mt = re.fullmatch(r"/leads/([^/]+)(?:/(\w+))?", p)
        if mt:
            lead = next((x for x in DB["leads"] if x["id"] == mt[1]), None)
            if not lead or not sees_lead(lead, unit, role):
                return err(404, "not_found", "未找到该线索")
            a = mt[2]
            if a == "transfer":
                bad = need(b, "to_unit", "reason")
                if bad:
                    return bad
                lead.update(status="transferred", holder_unit=b["to_unit"])
                lead["involved"].append(b["to_unit"])
            elif a in ("accept", "return", "feedback"):
                if unit != lead["holder_unit"]:
                    return err(403, "forbidden", "仅接收单位可操作")
                lead["status"] = {
                    "accept": "accepted",
                    "return": "returned",
                    "feedback": "concluded",
                }[a]
                lead["overdue"] = False
            if a:
                lead["history"].append(
                    {
                        "action": lead["status"],
                        "unit": unit,
                        "at": NOW,
                        "reason": b.get("reason") or b.get("result"),
                    }
                )
            return 200, lead
        if p == "/problems":
            if m == "POST":
                bad = need(b, "title", "description", "subject", "source", "nature")
                if bad:
                    return bad
                DB["problems"].append({"id": nid(), "status": "open", "created_at": NOW, **b})
                return 201, DB["problems"][-1]
            return lst(DB["problems"])
        mt = re.fullmatch(r"/problems/([^/]+)(/tasks)?", p)
        if mt:
            prob = next((x for x in DB["problems"] if x["id"] == mt[1]), None)
            if not prob:
                return err(404, "not_found", "未找到")
            if mt[2] and m == "POST":
                bad = need(b, "responsible_unit", "measures", "deadline")
                if bad:
                    return bad
                DB["tasks"].append(
                    {
                        "id": nid(),
                        "problem_id": prob["id"],
                        "problem_title": prob["title"],
                        "status": "assigned",
                        "overdue": False,
                        "progress": [],
                        **b,
                    }
                )
                return 201, DB["tasks"][-1]
            return 200, {**prob, "tasks": [x for x in DB["tasks"] if x["problem_id"] == prob["id"]]}
        if p == "/tasks":
            rows = DB["tasks"]
            if role == "supervised":
                rows = [x for x in rows if x["responsible_unit"] == unit]
            if q.get("overdue") == "true":
                rows = [x for x in rows if x["overdue"]]
            return lst(rows)
        mt = re.fullmatch(r"/tasks/([^/]+)(?:/([\w-]+))?", p)
        if mt:
            task = next((x for x in DB["tasks"] if x["id"] == mt[1]), None)
            if not task or (role == "supervised" and task["responsible_unit"] != unit):
                return err(404, "not_found", "未找到")
            a = mt[2]
            if a == "progress":
                bad = need(b, "note")
                if bad:
                    return bad
                task["progress"].append(
                    {"note": b["note"], "evidence": b.get("evidence"), "unit": unit, "at": NOW}
                )
                task["status"] = "in_progress"
            elif a:
                task["status"] = {
                    "submit": "submitted",
                    "verify": "verified",
                    "send-back": "sent_back",
                }[a]
            return 200, task
        if p == "/key-units":
            if m == "POST":
                if len([k for k in DB["key_units"] if k["year"] == b["year"]]) >= 2:
                    return err(
                        409,
                        "key_units_limit",
                        "每年整改重点单位不超过 2 个",
                        {"unit": ["本年度已确定 2 个重点单位"]},
                    )
                DB["key_units"].append(b)
                return 201, b
            return lst(DB["key_units"])
        if p == "/circulars":
            if m == "POST":
                bad = need(b, "title", "body", "nature")
                if bad:
                    return bad
                DB["circulars"].append({"id": nid(), "status": "draft", "published": False, **b})
                return 201, DB["circulars"][-1]
            rows = (
                DB["circulars"]
                if role != "supervised"
                else [c for c in DB["circulars"] if c["status"] == "issued"]
            )
            return lst(rows)
        mt = re.fullmatch(r"/circulars/([^/]+)(?:/(\w+))?", p)
        if mt:
            c = next((x for x in DB["circulars"] if x["id"] == mt[1]), None)
            if not c:
                return err(404, "not_found", "未找到")
            if mt[2] == "publish":
                c["published"] = True
            elif mt[2]:
                c["status"] = {"approve": "approved", "issue": "issued"}[mt[2]]
                if mt[2] == "issue":
                    c["issued_at"] = NOW
            return 200, c
        if p == "/research-topics":
            return lst(DB["topics"])
        mt = re.fullmatch(r"/research-topics/([^/]+)(/outputs)?", p)
        if mt:
            t = DB["topics"][0]
            if mt[2]:
                t["outputs"].append({"unit": unit, "created_at": NOW, **b})
            return 200, t
        if p == "/records":
            return lst(DB["records"] if role != "supervised" else [])
        if p == "/warnings":
            return lst(DB["warnings"])
        mt = re.fullmatch(r"/warnings/([^/]+)/to-lead", p)
        if mt:
            bad = need(b, "to_unit")
            if bad:
                return bad
            w = DB["warnings"][0]
            lead = self.new_lead(
                {
                    "subject": w["subject"],
                    "summary": w["explanation"],
                    "category": "funds",
                    "sensitivity": "normal",
                },
                unit,
            )
            lead.update(status="transferred", holder_unit=b["to_unit"])
            lead["involved"].append(b["to_unit"])
            w.update(status="converted", lead_id=lead["id"])
            return 201, lead
        if p == "/quarantine":
            return lst(
                [
                    {
                        "id": "q1",
                        "source_unit": "finance",
                        "record_id": "FIN-X",
                        "reasons": ["occurred_at 不是有效时间"],
                        "received_at": NOW,
                    }
                ]
            )
        if p == "/results":
            return lst(
                [
                    {
                        "id": "res1",
                        "title": "乡村振兴资金监管工作报告",
                        "kind": "item_conclusion",
                        "source_unit": "npc",
                        "reuses": [{"unit": "audit"}],
                    }
                ]
            )
        mt = re.fullmatch(r"/results/([^/]+)/reuse", p)
        if mt:
            return 201, {"ok": True}
        mt = re.fullmatch(r"/subjects/([^/]+)/portrait", p)
        if mt:
            return 200, {
                "subject": mt[1],
                "facts": DB["records"],
                "timeline": [
                    {"at": r["occurred_at"], "type": r["type"], "source_unit": r["source_unit"]}
                    for r in DB["records"]
                ],
                "items": [items["5"]],
                "leads": [x for x in DB["leads"] if sees_lead(x, unit, role)],
                "tasks": DB["tasks"],
            }
        mt = re.fullmatch(r"/trace/(\w+)/([^/]+)", p)
        if mt:
            nodes = [
                {"kind": "item", "id": "5", "title": ITEM_TITLES[4][0], "status": "in_progress"},
                {
                    "kind": "finding",
                    "id": "f1",
                    "title": "衔接资金拨付快于项目进度",
                    "item_id": "5",
                },
            ]
            nodes += [
                {"kind": "lead", "id": x["id"], "title": x["summary"], "status": x["status"]}
                for x in DB["leads"]
                if sees_lead(x, unit, role)
            ]
            nodes += [{"kind": "problem", "id": "p1", "title": DB["problems"][0]["title"]}]
            nodes += [
                {
                    "kind": "task",
                    "id": x["id"],
                    "title": x["measures"],
                    "status": x["status"],
                    "overdue": x["overdue"],
                }
                for x in DB["tasks"]
            ]
            nodes += [
                {"kind": "circular", "id": c["id"], "title": c["title"], "status": c["status"]}
                for c in DB["circulars"]
            ]
            return 200, {"root": {"kind": mt[1], "id": mt[2]}, "nodes": nodes}
        if p == "/search":
            s = q.get("q", "")
            hits = [
                {"kind": "item", "id": i["id"], "title": i["title"]}
                for i in items.values()
                if s and s in i["title"]
            ]
            hits += [
                {"kind": "problem", "id": x["id"], "title": x["title"]}
                for x in DB["problems"]
                if s and s in x["title"] + x["description"]
            ]
            return lst(hits)
        if p == "/notifications":
            rows = [
                n
                for n in DB["notifications"]
                if n["user"] == user and (q.get("unread") != "true" or not n["read"])
            ]
            return lst(rows)
        mt = re.fullmatch(r"/notifications/([^/]+)/read", p)
        if mt:
            for n in DB["notifications"]:
                if n["id"] == mt[1] and n["user"] == user:
                    n["read"] = True
            return 200, {"ok": True}
        if p == "/audit":
            if role != "office_admin":
                return err(403, "forbidden", "仅办公室可查看")
            return lst(
                [
                    {
                        "at": NOW,
                        "actor": "office",
                        "unit": "npc",
                        "action": "plan_adopted",
                        "entity": "plan:2025",
                        "before": {"status": "draft"},
                        "after": {"status": "adopted"},
                    }
                ]
            )
        return err(404, "not_found", f"没有这个接口：{p}")

    @staticmethod
    def new_lead(b, unit):
        today = date(2025, 11, 20)
        dups = [
            {"id": x["id"], "summary": x["summary"], "holder_unit": x["holder_unit"]}
            for x in DB["leads"]
            if x["subject"] == b["subject"] and x["status"] != "concluded"
        ]
        lead = {
            "id": nid(),
            "status": "registered",
            "source_unit": unit,
            "holder_unit": unit,
            "involved": [unit, "npc"],
            "accept_due": str(today + timedelta(days=5)),
            "feedback_due": str(today + timedelta(days=30)),
            "overdue": False,
            "history": [{"action": "registered", "unit": unit, "at": NOW}],
            "possible_duplicates": dups,
            **b,
        }
        DB["leads"].append(lead)
        return lead


def serve(port: int):
    reset()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    return server


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    print(f"mock gateway on http://127.0.0.1:{port}")
    serve(port).serve_forever()
