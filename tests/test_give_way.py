"""A reload's build waits for a quiet moment between its steps, and never for long."""

from __future__ import annotations

import threading
import time

from apigw_cli.give_way import Builder, Traffic, give_way, giving_way_to


def wait_for(condition: object, timeout: float = 5) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.001)


def test_a_step_waits_until_the_last_request_in_flight_is_answered() -> None:
    traffic = Traffic()
    traffic.enter()
    traffic.enter()
    builders: list[Builder] = []

    def build() -> None:
        with giving_way_to(traffic, budget=30, pause_cap=30) as builder:
            give_way()
            builders.append(builder)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()
    wait_for(lambda: traffic.waited_on)
    traffic.leave()
    time.sleep(0.05)
    assert thread.is_alive()  # one request is still in flight
    traffic.leave()
    thread.join(5)
    assert not thread.is_alive()
    assert builders[0].pauses == 1 and builders[0].waited < 30  # woken by the leave, not the cap


def test_waiting_is_capped_per_step_and_per_build() -> None:
    traffic = Traffic()
    traffic.enter()  # a request that never ends
    with giving_way_to(traffic, budget=0.05, pause_cap=0.02) as builder:
        for _ in range(10):
            give_way()
    assert builder.pauses == 3  # 20 + 20 + the 10 ms left of the budget
    assert 0.045 <= builder.waited < 1
    assert not traffic.waited_on


def test_give_way_outside_a_build_and_with_no_traffic_does_not_wait() -> None:
    traffic = Traffic()
    traffic.enter()
    give_way()  # not inside giving_way_to: the first build, lint, invoke
    traffic.leave()
    with giving_way_to(traffic, budget=30, pause_cap=30) as builder:
        give_way()
    assert builder.pauses == 0 and builder.waited == 0
