"""A trace from an item reaches the research that studies it (links research keeps)."""

from gateway.views import trace


def test_reverse_links_join_the_owners_answer():
    owner = {"node": {"kind": "item", "id": "i1"}, "links": [{"kind": "finding", "id": "f1"}]}
    studied = {"node": None, "links": [{"kind": "topic", "id": "t1"}]}
    merged = trace.with_reverse_links(owner, studied)
    assert merged["links"] == [{"kind": "finding", "id": "f1"}, {"kind": "topic", "id": "t1"}]
    assert owner["links"] == [{"kind": "finding", "id": "f1"}]


def test_a_hidden_node_gains_nothing_and_a_failed_reverse_lookup_changes_nothing():
    hidden = trace.Hidden()
    assert trace.with_reverse_links(hidden, {"links": [{"kind": "topic", "id": "t1"}]}) is hidden
    owner = {"node": {"kind": "item", "id": "i1"}, "links": []}
    assert trace.with_reverse_links(owner, RuntimeError("research down")) is owner


def test_walk_from_an_item_reaches_the_topic_and_back():
    answers = {
        ("item", "i1"): trace.with_reverse_links(
            {"node": {"title": "事项"}, "links": []},
            {"links": [{"kind": "topic", "id": "t1"}]},
        ),
        ("topic", "t1"): {"node": {"title": "课题"}, "links": [{"kind": "item", "id": "i1"}]},
    }
    result = trace.walk(("item", "i1"), lambda refs: {r: answers.get(r) for r in refs})
    assert {n["kind"] for n in result.answer()["nodes"]} == {"item", "topic"}
