"""SIGTERM (what Kubernetes sends): in-flight work finishes, nothing is lost, and the process
exits well within the grace period, also when the signal lands while it is still starting.
"""

import time

import pytest

from tests.faults.harness import wait_for

GRACE = 25  # cosupervise serve's default COSUPERVISE_STOP_TIMEOUT, and k8s' grace minus margin
EVENTS = 400


@pytest.mark.timeout(180)
def test_sigterm_under_load_finishes_in_flight_work(vhost_uri, world_factory):
    _, uri = vhost_uri
    world = world_factory(uri, "sqlite", PYTHONWARNINGS="ignore")
    world.declare_queue()
    # slow handlers: ten workers are always busy when the signal comes
    consumer = world.start("faultconsumer", wait=False, FAULT_HANDLER_SECONDS=0.4)
    world.start("faultproducer", wait=False)
    consumer.wait_ready()
    world.procs["faultproducer"].wait_ready()
    world.set_target(EVENTS)
    wait_for(lambda: world.counts().stored >= 30, 60, "load flowing")
    pid = consumer.proc.pid
    consumer.sigterm()
    signalled = time.monotonic()
    in_flight_at_signal = _in_flight(world, pid)
    code = consumer.wait_exit(GRACE + 10)
    took = time.monotonic() - signalled
    started = {line.split()[1] for line in world.lines("started") if line.startswith(f"{pid} ")}
    finished = {line.split()[1] for line in world.lines("finished") if line.startswith(f"{pid} ")}
    stored_at_exit = world.counts().stored

    # the rest is applied by the next process
    consumer.start(FAULT_HANDLER_SECONDS=0).wait_ready()
    counts = world.wait_applied(EVENTS, timeout=90)
    line = counts.report(
        "SIGTERM under load",
        exit_code=code,
        seconds_to_exit=round(took, 1),
        in_flight_at_signal=in_flight_at_signal,
        started_before_exit=len(started),
        unfinished=len(started - finished),
        stored_at_exit=stored_at_exit,
    )
    assert code == 0, consumer.log()[-3000:]
    assert took < GRACE, line
    assert "did not stop within" not in consumer.log()
    assert in_flight_at_signal > 0, "nothing was in flight: the signal did not bite"
    assert started == finished, f"work begun before SIGTERM was abandoned: {line}"
    assert counts.lost == 0 and counts.duplicated == 0, line
    assert counts.stored == EVENTS
    # finished work was also acknowledged: nothing that was applied came back to the next one
    assert counts.skipped == 0 and counts.redeliveries == 0, line


def _in_flight(world, pid) -> int:
    started = {x.split()[1] for x in world.lines("started") if x.startswith(f"{pid} ")}
    finished = {x.split()[1] for x in world.lines("finished") if x.startswith(f"{pid} ")}
    return len(started - finished)


@pytest.mark.timeout(180)
def test_sigterm_while_starting_stops_promptly(vhost_uri, world_factory):
    """A SIGTERM while nameko is still connecting used to leave the process stuck until the
    grace period ran out and it was killed (cosupervise/serve.py)."""
    _, uri = vhost_uri
    world = world_factory(uri, "sqlite", PYTHONWARNINGS="ignore", COSUPERVISE_LOG_LEVEL="INFO")
    world.declare_queue()
    timings = []
    for attempt in range(3):
        proc = world.start("faultconsumer", wait=False)
        offset = len(proc.log())
        # the moment nameko begins to start the container: connections are still being made
        wait_for(
            lambda p=proc, o=offset: "starting services" in p.log()[o:],
            60,
            "service starting",
            interval=0.005,
        )
        time.sleep(0.1 * attempt)
        proc.sigterm()
        signalled = time.monotonic()
        code = proc.wait_exit(GRACE + 10)
        took = time.monotonic() - signalled
        timings.append(round(took, 1))
        assert code == 0, proc.log()[offset:][-3000:]
        assert "did not stop within" not in proc.log()[offset:], proc.log()[offset:][-3000:]
        assert took < 10, f"took {took:.1f}s to stop after a SIGTERM during start"
    print(f"\n[SIGTERM while starting] exits after {timings} s (grace {GRACE} s)", flush=True)
