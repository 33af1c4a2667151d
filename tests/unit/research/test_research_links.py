"""How the research service reads its peers' answers when it checks a link (worker_factory:
the other services' answers are given, the broker is not involved)."""

import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import worker_factory

from contracts.errors import NotFound, ServiceUnavailable, ValidationFailed
from services.research.service import ResearchService


def service_answering(answers):
    service = worker_factory(ResearchService)
    service.peers.gather.side_effect = lambda calls: {k: answers[k] for k in calls}
    return service


def test_existing_items_and_problems_become_links_with_their_subjects():
    service = service_answering(
        {
            ("item", "item-1"): {
                "id": "item-1",
                "title": "乡村振兴资金使用监管",
                "subjects": ["rural", "town-jieshi"],
            },
            ("problem", "prob-1"): {
                "node": {
                    "kind": "problem",
                    "id": "prob-1",
                    "title": "河道垃圾反弹",
                    "subject": "ecology",
                },
                "links": [],
            },
        }
    )
    links = service._resolve_links(["item-1"], ["prob-1"])
    assert {(lk["kind"], lk["id"], lk["title"], tuple(lk["subjects"])) for lk in links} == {
        ("item", "item-1", "乡村振兴资金使用监管", ("rural", "town-jieshi")),
        ("problem", "prob-1", "河道垃圾反弹", ("ecology",)),
    }
    calls = service.peers.gather.call_args[0][0]
    assert calls[("item", "item-1")] == ("planning", "get_item", {"id": "item-1"})
    assert calls[("problem", "prob-1")] == (
        "rectification",
        "links",
        {"kind": "problem", "id": "prob-1"},
    )


def test_an_absent_id_is_named_by_its_field_and_position():
    service = service_answering(
        {
            ("item", "item-1"): {"id": "item-1", "title": "事项", "subjects": []},
            ("item", "item-x"): NotFound("监督事项不存在", "not_found"),
        }
    )
    with pytest.raises(ValidationFailed) as e:
        service._resolve_links(["item-1", "item-x"], [])
    assert e.value.fields == {"item_ids.1": ["监督事项 item-x 不存在"]}
    with pytest.raises(ValidationFailed) as e:
        service._resolve_links(["item-x"], [], single=True)
    assert list(e.value.fields) == ["id"]


@pytest.mark.parametrize(
    "failure",
    [
        ServiceUnavailable("服务 rectification 未运行", "service_unavailable"),
        RemoteError("MethodNotFound", "links"),
        RuntimeError("reply lost"),
    ],
)
def test_an_owner_that_cannot_answer_is_a_clear_503(failure):
    service = service_answering({("problem", "prob-1"): failure})
    with pytest.raises(ServiceUnavailable) as e:
        service._resolve_links([], ["prob-1"])
    assert e.value.status == 503
    assert "rectification" in e.value.message and "整改问题" in e.value.message


def test_no_ids_asks_nobody():
    service = service_answering({})
    assert service._resolve_links([], []) == []
    service.peers.gather.assert_not_called()
