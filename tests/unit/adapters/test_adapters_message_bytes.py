"""A records message built from the outbox's stored text is byte for byte the JSON of the
message as a dict: the bus sees exactly what it saw before the shortcut."""

import json

from adapters.sdk.outbox import Outbox
from adapters.sdk.publisher import _record_batches, _records_message


def test_the_prebuilt_message_is_the_json_of_the_message(tmp_path):
    records = [
        {
            "record_id": f"R-{i}",
            "type": "plc.petition",
            "subject": "court",
            "occurred_at": "2025-01-02T00:00:00+08:00",
            "source_unit": "plc",
            "key_id": "k",
            "signature": "s",
            "data": {"summary": "信访“引号”\\n", "n": i, "x": [1.5, None]},
        }
        for i in range(3)
    ]
    with Outbox(tmp_path / "o.db") as box:
        box.add_records([(r, None, i) for i, r in enumerate(records)])
        rows = box.unsent_records()
    as_dict = {"records": [r.body for r in rows], "adapter": "plc", "batch_id": "b1"}
    expected = json.dumps(as_dict, ensure_ascii=False, sort_keys=True).encode("utf-8")
    assert _records_message(rows, "plc", "b1") == expected
    assert json.loads(expected)["records"] == records
    ((kind, batch),) = _record_batches(rows, 500, 10**6)
    assert kind == "plc.petition" and len(batch) == 3
