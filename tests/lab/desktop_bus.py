"""A desktop's session bus for the notification tests: a real ``dbus-daemon`` on a socket of
the test's temporary folder, and a notification service on it that records what it is
asked to show (the part a desktop's shell plays: GNOME Shell, KDE's Plasma, dunst).

The service speaks the freedesktop.org notification interface's ``Notify`` only, with the
signature the specification gives; a call with another signature is answered with an error,
as a real daemon does.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jeepney import HeaderFields, MessageType, message_bus, new_error, new_method_return
from jeepney.io.blocking import DBusConnection, open_dbus_connection

from tests.lab.availability import require_program

SERVICE = "org.freedesktop.Notifications"
SIGNATURE = "susssasa{sv}i"


@dataclass
class Notice:
    app_name: str
    replaces_id: int
    icon: str
    summary: str
    body: str
    hints: dict[str, Any]
    expire_ms: int


@dataclass
class NotificationService:
    connection: DBusConnection
    received: list[Notice] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # signatures of badly typed calls
    arrived: threading.Event = field(default_factory=threading.Event)
    stopping: bool = False

    def serve(self) -> None:
        while not self.stopping:
            try:
                message = self.connection.receive(timeout=0.2)
            except TimeoutError:
                continue
            except OSError:
                return
            header = message.header
            if header.message_type is not MessageType.method_call:
                continue
            signature = header.fields.get(HeaderFields.signature, "")
            if header.fields.get(HeaderFields.member) != "Notify" or signature != SIGNATURE:
                self.refused.append(signature)
                self.connection.send(
                    new_error(message, "org.freedesktop.DBus.Error.InvalidArgs", "s", ("no",))
                )
                continue
            app, replaces, icon, summary, body, _actions, hints, expire = message.body
            self.received.append(Notice(app, replaces, icon, summary, body, hints, expire))
            self.connection.send(new_method_return(message, "u", (len(self.received),)))
            self.arrived.set()


@contextlib.contextmanager
def session_bus(directory: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """A session bus of its own, its socket in ``directory`` (the daemon started with
    ``env``); yields its address (``DBUS_SESSION_BUS_ADDRESS``)."""
    program = require_program("dbus-daemon", "dbus-daemon")
    socket = directory / "bus"
    process = subprocess.Popen(
        [program, "--session", "--nofork", "--print-address=1", f"--address=unix:path={socket}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().decode().strip()
        assert address, "dbus-daemon gave no address"
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def notification_service(address: str) -> Iterator[NotificationService]:
    """The notification service, owning its well-known name on the bus at ``address``."""
    connection = open_dbus_connection(bus=address)
    reply = connection.send_and_get_reply(message_bus.RequestName(SERVICE), timeout=5)
    assert reply.body == (1,), f"could not own {SERVICE}: {reply.body}"  # 1: primary owner
    service = NotificationService(connection)
    thread = threading.Thread(target=service.serve, name="notification-service", daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.stopping = True
        thread.join(timeout=5)
        connection.close()
