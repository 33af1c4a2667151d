"""`make run` with no broker: start the local one, or say exactly how to get one."""

import pytest

from cosupervise import broker


def test_without_an_installed_broker_it_says_how_to_get_one(monkeypatch):
    monkeypatch.setattr(broker, "answering", lambda uri: False)
    monkeypatch.setattr(broker.shutil, "which", lambda name: None)
    monkeypatch.setattr(broker.shutil.os.path, "exists", lambda path: False)
    with pytest.raises(SystemExit) as e:
        broker.ensure("amqp://guest:guest@localhost:5672/")
    assert "apt-get install -y rabbitmq-server" in str(e.value)
    assert "AMQP_URI" in str(e.value)


def test_an_installed_broker_is_started_and_waited_for(monkeypatch):
    calls, answers = [], iter([False, False, True])
    monkeypatch.setattr(broker, "answering", lambda uri: next(answers))
    monkeypatch.setattr(broker.shutil, "which", lambda name: "/usr/sbin/rabbitmq-server")
    monkeypatch.setattr(broker.subprocess, "run", lambda args, check: calls.append(args))
    monkeypatch.setattr(broker.time, "sleep", lambda s: None)
    broker.ensure("amqp://guest:guest@127.0.0.1:5672/")
    assert calls == [["/usr/sbin/rabbitmq-server", "-detached"]]


def test_a_remote_broker_is_never_started_locally(monkeypatch):
    monkeypatch.setattr(broker, "answering", lambda uri: False)
    monkeypatch.setattr(broker.subprocess, "run", lambda *a, **k: pytest.fail("started"))
    with pytest.raises(SystemExit) as e:
        broker.ensure("amqp://u:p@rabbit.internal:5672/")
    assert "rabbit.internal" in str(e.value)
