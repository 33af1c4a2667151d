"""The trace walk with fake link lookups: both ways, hidden nodes absent, bounded."""

from gateway.views import trace

# a small world: item → finding → lead (hidden from the caller) → problem → task → circular,
# and the finding also → problem directly
WORLD = {
    ("item", "i1"): {
        "node": {"title": "乡村振兴资金使用监管", "status": "in_progress"},
        "links": [{"kind": "finding", "id": "f1"}],
    },
    ("finding", "f1"): {
        "node": {"title": "资金拨付快于进度"},
        "links": [
            {"kind": "item", "id": "i1"},
            {"kind": "lead", "id": "l1"},
            {"kind": "problem", "id": "p1"},
        ],
    },
    ("lead", "l1"): {"node": {"title": "线索"}, "links": [{"kind": "problem", "id": "p1"}]},
    ("problem", "p1"): {
        "node": {"title": "衔接资金滞留"},
        "links": [
            {"kind": "task", "id": "t1"},
            {"kind": "lead", "id": "l1"},
            {"kind": "finding", "id": "f1"},
        ],
    },
    # the task does not list its problem back: the edge still holds, from the problem's side
    ("task", "t1"): {
        "node": {"title": "整改", "status": "assigned"},
        "links": [{"kind": "circular", "id": "c1"}],
    },
    ("circular", "c1"): {"node": {"title": "通报"}, "links": [{"kind": "problem", "id": "p1"}]},
}


def lookup_in(world, hidden=(), down=(), calls=None):
    def lookup(refs):
        if calls is not None:
            calls.append(list(refs))
        out = {}
        for ref in refs:
            if ref in hidden or ref not in world:
                out[ref] = trace.Hidden()
            elif ref[0] in down:
                out[ref] = trace.Unavailable("rectification")
            else:
                out[ref] = world[ref]
        return out

    return lookup


def keys(result):
    return {n["key"] for n in result.answer()["nodes"]}


def edges(result):
    return {(e["from"], e["to"]) for e in result.answer()["edges"]}


def test_from_the_middle_the_whole_chain_both_ways():
    result = trace.walk(("task", "t1"), lookup_in(WORLD))
    assert keys(result) == {
        "item:i1",
        "finding:f1",
        "lead:l1",
        "problem:p1",
        "task:t1",
        "circular:c1",
    }
    assert ("item:i1", "finding:f1") in edges(result)  # reached upwards, drawn downwards
    assert ("task:t1", "circular:c1") in edges(result)
    assert ("problem:p1", "task:t1") in edges(result)
    answer = result.answer()
    assert answer["root"] == {"kind": "task", "id": "t1", "key": "task:t1"}
    depths = {n["key"]: n["depth"] for n in answer["nodes"]}
    assert depths["task:t1"] == 0 and depths["problem:p1"] == 2 and depths["item:i1"] == 4
    assert answer["truncated"] is False and answer["unavailable"] == []


def test_a_hidden_lead_is_absent_with_every_edge_to_it():
    result = trace.walk(("item", "i1"), lookup_in(WORLD, hidden={("lead", "l1")}))
    assert "lead:l1" not in keys(result)
    assert not any("lead:l1" in pair for pair in edges(result))
    assert "circular:c1" in keys(result)  # still reached through the finding's problem
    assert "l1" not in str(result.answer())


def test_hidden_root_and_unavailable_root_are_told_apart():
    assert isinstance(
        trace.walk(("lead", "l1"), lookup_in(WORLD, hidden={("lead", "l1")})), trace.Hidden
    )
    assert isinstance(trace.walk(("lead", "nope"), lookup_in(WORLD)), trace.Hidden)
    down = trace.walk(("task", "t1"), lookup_in(WORLD, down={"task"}))
    assert isinstance(down, trace.Unavailable)


def test_a_service_down_mid_walk_leaves_its_nodes_out_and_says_so():
    result = trace.walk(("item", "i1"), lookup_in(WORLD, down={"problem", "task", "circular"}))
    answer = result.answer()
    assert keys(result) == {"item:i1", "finding:f1", "lead:l1"}
    assert answer["unavailable"] == ["rectification"]


def test_depth_and_size_are_bounded_and_flagged():
    chain = {
        ("item", f"i{n}"): {
            "node": {"title": str(n)},
            "links": [{"kind": "item", "id": f"i{n + 1}"}],
        }
        for n in range(100)
    }
    result = trace.walk(("item", "i0"), lookup_in(chain), max_depth=3)
    assert keys(result) == {"item:i0", "item:i1", "item:i2", "item:i3"}
    assert result.answer()["truncated"] is True

    star = {
        ("item", "hub"): {
            "node": {},
            "links": [{"kind": "finding", "id": str(n)} for n in range(500)],
        }
    }
    star.update({("finding", str(n)): {"node": {}, "links": []} for n in range(500)})
    calls = []
    result = trace.walk(("item", "hub"), lookup_in(star, calls=calls), max_nodes=40)
    assert len(keys(result)) == 40 and result.answer()["truncated"] is True
    assert len(calls) == 2  # one lookup per level, not one per node


def test_unknown_kinds_and_junk_links_are_ignored_and_cycles_end():
    world = {
        ("item", "a"): {
            "node": {},
            "links": [
                {"kind": "spaceship", "id": "x"},
                "junk",
                {"kind": "item"},
                {"kind": "item", "id": "a"},
                {"kind": "item", "id": "b"},
            ],
        },
        ("item", "b"): {"node": {}, "links": [{"kind": "item", "id": "a"}]},
    }
    result = trace.walk(("item", "a"), lookup_in(world))
    assert keys(result) == {"item:a", "item:b"}
    assert edges(result) == {("item:a", "item:b")}


def test_node_fields_come_from_the_owner_but_identity_from_the_ref():
    world = {
        ("task", "t1"): {
            "node": {"kind": "lead", "id": "forged", "title": "整改", "overdue": True},
            "links": [],
        }
    }
    node = trace.walk(("task", "t1"), lookup_in(world)).answer()["nodes"][0]
    assert (node["kind"], node["id"], node["service"]) == ("task", "t1", "rectification")
    assert node["overdue"] is True and node["title"] == "整改"


def test_a_relation_named_by_either_side_is_kept_on_the_edge():
    world = {
        ("lead", "a"): {
            "node": {},
            "links": [{"kind": "lead", "id": "b", "relation": "possible_duplicate"}],
        },
        ("lead", "b"): {"node": {}, "links": [{"kind": "lead", "id": "a"}]},
    }
    answer = trace.walk(("lead", "b"), lookup_in(world)).answer()
    assert answer["edges"] == [{"from": "lead:a", "to": "lead:b", "relation": "possible_duplicate"}]
