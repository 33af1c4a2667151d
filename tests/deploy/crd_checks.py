"""Checks for the operators' custom resources, which kubernetes-validate has no schemas for.

Prometheus Operator (`monitoring.coreos.com/v1` ServiceMonitor, PrometheusRule): validated against
models generated from the operator's own CRD schema (PyPI cloudcoil-models-prometheus-operator,
see crd_models_check.py), installed on first use into the virtualenv's deploy-tools folder.

RabbitMQ Cluster Operator and Messaging Topology Operator (`rabbitmq.com/v1beta1`), CloudNativePG
(`postgresql.cnpg.io/v1`) and its Barman Cloud plugin (`barmancloud.cnpg.io/v1`): no package
registry reachable here carries their CRDs, so SCHEMAS below were written for this project from
the operators' published API references. They are deliberately partial: the required fields, the
types, and no unknown field in the parts of each spec that we write, so a misspelt key
(`instance:` for `instances:`) fails instead of being silently pruned by the API server. A cluster
validates against the full CRDs at apply time (`kubectl apply --dry-run=server`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest


def obj(properties: dict, required: tuple = (), closed: bool = True) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(required)}
    if closed:
        schema["additionalProperties"] = False
    return schema


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
ANY_OBJ = {"type": "object"}
QUANTITY = {"type": ["string", "integer"]}
LOCAL_REF = obj({"name": STR}, ("name",))
KEY_REF = obj({"name": STR, "key": STR}, ("name", "key"))
RESOURCES = obj(
    {
        "requests": obj({"cpu": QUANTITY, "memory": QUANTITY}),
        "limits": obj({"cpu": QUANTITY, "memory": QUANTITY}),
    }
)
CLUSTER_REF = obj({"name": STR, "namespace": STR, "connectionSecret": LOCAL_REF})
METADATA = obj(
    {"name": STR, "namespace": STR, "labels": ANY_OBJ, "annotations": ANY_OBJ}, ("name",)
)


def resource(spec: dict) -> dict:
    return obj(
        {"apiVersion": STR, "kind": STR, "metadata": METADATA, "spec": spec},
        ("apiVersion", "kind", "metadata", "spec"),
    )


SCHEMAS: dict[tuple[str, str], dict] = {
    ("RabbitmqCluster", "rabbitmq.com/v1beta1"): resource(
        obj(
            {
                "replicas": INT,
                "image": STR,
                "imagePullSecrets": {"type": "array"},
                "service": obj(
                    {
                        "type": {"enum": ["ClusterIP", "LoadBalancer", "NodePort"]},
                        "annotations": ANY_OBJ,
                    }
                ),
                "persistence": obj({"storageClassName": STR, "storage": QUANTITY}),
                "resources": RESOURCES,
                "rabbitmq": obj(
                    {
                        "additionalConfig": STR,
                        "advancedConfig": STR,
                        "envConfig": STR,
                        "additionalPlugins": {"type": "array", "items": STR},
                    }
                ),
                "affinity": ANY_OBJ,
                "tolerations": {"type": "array"},
                "override": ANY_OBJ,
                "terminationGracePeriodSeconds": INT,
                "tls": ANY_OBJ,
                "secretBackend": ANY_OBJ,
                "skipPostDeploySteps": BOOL,
                "delayStartSeconds": INT,
            }
        )
    ),
    ("User", "rabbitmq.com/v1beta1"): resource(
        obj(
            {
                "tags": {
                    "type": "array",
                    "items": {"enum": ["management", "policymaker", "monitoring", "administrator"]},
                },
                "importCredentialsSecret": LOCAL_REF,
                "rabbitmqClusterReference": CLUSTER_REF,
            },
            ("rabbitmqClusterReference",),
        )
    ),
    ("Permission", "rabbitmq.com/v1beta1"): resource(
        obj(
            {
                "vhost": STR,
                "user": STR,
                "userReference": LOCAL_REF,
                "permissions": obj({"configure": STR, "write": STR, "read": STR}),
                "rabbitmqClusterReference": CLUSTER_REF,
            },
            ("vhost", "permissions", "rabbitmqClusterReference"),
        )
    ),
    ("TopicPermission", "rabbitmq.com/v1beta1"): resource(
        obj(
            {
                "vhost": STR,
                "user": STR,
                "userReference": LOCAL_REF,
                "permissions": obj({"exchange": STR, "write": STR, "read": STR}, ("exchange",)),
                "rabbitmqClusterReference": CLUSTER_REF,
            },
            ("vhost", "permissions", "rabbitmqClusterReference"),
        )
    ),
    ("Exchange", "rabbitmq.com/v1beta1"): resource(
        obj(
            {
                "name": STR,
                "vhost": STR,
                "type": STR,
                "durable": BOOL,
                "autoDelete": BOOL,
                "arguments": ANY_OBJ,
                "rabbitmqClusterReference": CLUSTER_REF,
            },
            ("name", "rabbitmqClusterReference"),
        )
    ),
    ("Cluster", "postgresql.cnpg.io/v1"): resource(
        obj(
            {
                "instances": {"type": "integer", "minimum": 1},
                "imageName": STR,
                "primaryUpdateStrategy": {"enum": ["unsupervised", "supervised"]},
                "bootstrap": obj(
                    {
                        "initdb": obj({"database": STR, "owner": STR, "secret": LOCAL_REF}),
                        "recovery": ANY_OBJ,
                    }
                ),
                "postgresql": obj({"parameters": {"type": "object", "additionalProperties": STR}}),
                "storage": obj({"size": QUANTITY, "storageClass": STR}, ("size",)),
                "walStorage": obj({"size": QUANTITY, "storageClass": STR}, ("size",)),
                "resources": RESOURCES,
                "affinity": obj(
                    {
                        "enablePodAntiAffinity": BOOL,
                        "topologyKey": STR,
                        "podAntiAffinityType": STR,
                        "nodeSelector": ANY_OBJ,
                        "tolerations": {"type": "array"},
                    }
                ),
                "plugins": {
                    "type": "array",
                    "items": obj(
                        {
                            "name": STR,
                            "isWALArchiver": BOOL,
                            "enabled": BOOL,
                            "parameters": ANY_OBJ,
                        },
                        ("name",),
                    ),
                },
                "externalClusters": {"type": "array"},
                "monitoring": ANY_OBJ,
            },
            ("instances", "storage"),
        )
    ),
    ("ScheduledBackup", "postgresql.cnpg.io/v1"): resource(
        obj(
            {
                "schedule": {
                    "type": "string",
                    "pattern": r"^\S+( \S+){5}$",
                },  # six fields, seconds first
                "cluster": LOCAL_REF,
                "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
                "immediate": BOOL,
                "suspend": BOOL,
                "method": {"enum": ["barmanObjectStore", "volumeSnapshot", "plugin"]},
                "pluginConfiguration": obj({"name": STR, "parameters": ANY_OBJ}, ("name",)),
                "target": STR,
            },
            ("schedule", "cluster"),
        )
    ),
    ("ObjectStore", "barmancloud.cnpg.io/v1"): resource(
        obj(
            {
                "retentionPolicy": {"type": "string", "pattern": r"^[1-9][0-9]*[dwm]$"},
                "configuration": obj(
                    {
                        "destinationPath": STR,
                        "endpointURL": STR,
                        "s3Credentials": obj(
                            {
                                "accessKeyId": KEY_REF,
                                "secretAccessKey": KEY_REF,
                                "region": KEY_REF,
                                "sessionToken": KEY_REF,
                                "inheritFromIAMRole": BOOL,
                            }
                        ),
                        "wal": obj(
                            {
                                "compression": {
                                    "enum": ["gzip", "bzip2", "snappy", "lz4", "xz", "zstd"]
                                },
                                "maxParallel": INT,
                                "encryption": STR,
                            }
                        ),
                        "data": obj(
                            {
                                "compression": {"enum": ["gzip", "bzip2", "snappy"]},
                                "jobs": INT,
                                "encryption": STR,
                            }
                        ),
                    },
                    ("destinationPath",),
                ),
            },
            ("configuration",),
        )
    ),
}

OPERATOR_MODEL_KINDS = {
    ("ServiceMonitor", "monitoring.coreos.com/v1"),
    ("PrometheusRule", "monitoring.coreos.com/v1"),
}
CRD_KINDS = set(SCHEMAS) | OPERATOR_MODEL_KINDS
HERE = Path(__file__).resolve().parent
MODELS_REQUIREMENTS = HERE / "crd-models.txt"


def check_crd(doc: dict) -> list[str]:
    """Problems with one custom resource (empty when it is fine)."""
    schema = SCHEMAS[(doc["kind"], doc["apiVersion"])]
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'.'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in validator.iter_errors(doc)
    ]


def models_dir() -> Path:
    """The operator models' packages, installed once per requirements file into the venv."""
    target = Path(sys.prefix) / "deploy-tools" / "crd-models"
    stamp = target / ".requirements"
    wanted = MODELS_REQUIREMENTS.read_text()
    if stamp.exists() and stamp.read_text() == wanted:
        return target
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--upgrade",
            "--target",
            str(target),
            "-r",
            str(MODELS_REQUIREMENTS),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(
            "could not install the Prometheus Operator's CRD models "
            f"(pip install --target {target} -r {MODELS_REQUIREMENTS}):\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    stamp.write_text(wanted)
    return target


def operator_model_problems(*manifests: Path) -> dict[str, dict[str, list[str]]]:
    """{manifest: {"Kind/name": problems}} for the Prometheus Operator resources of manifests."""
    env = dict(os.environ, PYTHONPATH=str(models_dir()))
    result = subprocess.run(
        [sys.executable, str(HERE / "crd_models_check.py"), *map(str, manifests)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(f"crd_models_check.py failed:\n{result.stderr}", pytrace=False)
    return json.loads(result.stdout)
