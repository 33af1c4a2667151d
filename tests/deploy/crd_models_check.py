"""Validate the Prometheus Operator's custom resources of a manifest against the operator's models.

Runs in a subprocess (see crd_checks.operator_model_problems) with the models' own packages on
PYTHONPATH, outside the project's virtualenv. Prints JSON: {"<file>": {"<Kind>/<name>": [problem, ...]}}; one run for all the files, as
importing the models takes seconds.

The models (PyPI cloudcoil-models-prometheus-operator) are generated from the operator's
openAPIV3Schema: types, enums, patterns and required fields are the CRD's. pydantic ignores
fields it does not know, and so would an API server (it prunes them), so a field the model did
not keep is reported as unknown: that is the misspelt key that would silently do nothing.
"""

from __future__ import annotations

import json
import sys

import pydantic
import yaml
from cloudcoil.models.prometheus_operator import v1

KINDS = {"ServiceMonitor": v1.ServiceMonitor, "PrometheusRule": v1.PrometheusRule}


def unknown_fields(source, kept, path: str = "") -> list[str]:
    if isinstance(source, dict):
        if not isinstance(kept, dict):
            return [path or "<root>"]
        found = []
        for key, value in source.items():
            where = f"{path}.{key}" if path else key
            if key not in kept:
                found.append(f"{where}: unknown field")
            else:
                found += unknown_fields(value, kept[key], where)
        return found
    if isinstance(source, list) and isinstance(kept, list):
        return [
            p
            for i, (a, b) in enumerate(zip(source, kept, strict=False))
            for p in unknown_fields(a, b, f"{path}[{i}]")
        ]
    return []


def check(doc: dict) -> list[str]:
    try:
        model = KINDS[doc["kind"]].model_validate(doc)
    except pydantic.ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return unknown_fields(doc, model.model_dump(by_alias=True, exclude_unset=True, mode="json"))


def report(path: str) -> dict[str, list[str]]:
    found = {}
    with open(path, encoding="utf-8") as fh:
        for doc in yaml.safe_load_all(fh):
            if (
                doc
                and doc.get("apiVersion") == "monitoring.coreos.com/v1"
                and doc.get("kind") in KINDS
            ):
                found[f"{doc['kind']}/{doc['metadata']['name']}"] = check(doc)
    return found


def main(paths: list[str]) -> int:
    print(json.dumps({path: report(path) for path in paths}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
