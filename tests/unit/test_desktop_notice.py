"""The desktop's notification where there is no tray: the freedesktop.org service on a real
session bus (``dbus-daemon``), asked with the signature the specification gives."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.core import desktop_notice
from tests.lab.desktop_bus import NotificationService, session_bus


def test_a_notice_reaches_the_service_and_the_next_one_replaces_it(
    desktop_notifications: NotificationService,
) -> None:
    assert desktop_notice.notify("2 nouveau(x) message(s)")
    first = desktop_notifications.received[0]
    assert (first.app_name, first.summary, first.body) == ("Caducée", "2 nouveau(x) message(s)", "")
    assert first.hints == {"urgency": ("y", desktop_notice.NORMAL)}
    assert first.expire_ms == 8000
    assert desktop_notice.notify("1 nouveau(x) message(s)")
    assert desktop_notifications.received[1].replaces_id == 1  # the service's id of the first
    assert desktop_notifications.refused == []


def test_a_failure_she_must_act_on_stays_until_dismissed(
    desktop_notifications: NotificationService,
) -> None:
    assert desktop_notice.notify("Un envoi a été refusé", urgent=True)
    notice = desktop_notifications.received[0]
    assert notice.hints == {"urgency": ("y", desktop_notice.URGENT)} and notice.expire_ms == 0


def test_from_a_worker_thread(desktop_notifications: NotificationService) -> None:
    thread = desktop_notice.notify_later("3 nouveau(x) message(s)")
    assert thread is not None
    thread.join(timeout=10)
    assert [n.summary for n in desktop_notifications.received] == ["3 nouveau(x) message(s)"]


def test_a_bus_without_notification_service_is_said_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_bus(tmp_path) as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        started = time.monotonic()
        assert not desktop_notice.notify("2 nouveau(x) message(s)")
        assert time.monotonic() - started < 3  # the bus answers "no such service"


def test_no_session_bus_no_thread(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    assert not desktop_notice.supported()
    assert not desktop_notice.notify("x")
    assert desktop_notice.notify_later("x") is None
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'nothing'}")
    assert not desktop_notice.notify("x")  # a dead address: False, no exception
