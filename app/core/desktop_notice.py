"""A desktop notification where the desktop has no tray (GNOME without an extension, most
Wayland sessions): the freedesktop.org notification service on the session's D-Bus.

Windows and macOS always have a tray (the window uses it); there this says it did nothing.
The caller passes text that names no sender, subject or patient: a notification is read by
anyone near the screen, and notification daemons keep a history.

Plain Python (``jeepney``, pure Python D-Bus, already there for the keyring's Secret
Service): no Qt here. A bus that does not answer costs at most ``timeout`` seconds, so the
window calls this from a worker thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
SIGNATURE = "susssasa{sv}i"  # app name, replaces id, icon, summary, body, actions, hints, ms
APP_NAME = "Caducée"
NORMAL, URGENT = 1, 2  # the specification's urgency levels (0 is "low")
ICON = "mail-unread"

_last_id = 0  # the previous notice, replaced rather than piled up
_lock = threading.Lock()


def supported() -> bool:
    """A platform where the notification service is D-Bus's, with a session bus to reach."""
    return sys.platform.startswith("linux") and bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


def notify(
    summary: str, body: str = "", urgent: bool = False, expire_ms: int = 8000, timeout: float = 2.0
) -> bool:
    """Shows the notice; False (and a line in the log, without its text) when there is no
    session bus, no notification service, or it refused or did not answer in time. An
    ``urgent`` notice (a failure she must act on) stays until she dismisses it."""
    global _last_id
    if not supported():
        return False
    try:
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:  # pragma: no cover - a Linux build always bundles it (keyring's)
        return False
    address = DBusAddress(PATH, bus_name=SERVICE, interface=SERVICE)
    with _lock:
        replaces = _last_id
    message = new_method_call(
        address,
        "Notify",
        SIGNATURE,
        (
            APP_NAME,
            replaces,
            ICON,
            summary,
            body,
            [],
            {"urgency": ("y", URGENT if urgent else NORMAL)},
            0 if urgent else expire_ms,
        ),
    )
    try:
        with open_dbus_connection(bus="SESSION", auth_timeout=timeout) as connection:
            reply = connection.send_and_get_reply(message, timeout=timeout)
    except (OSError, TimeoutError, ValueError, KeyError) as error:
        log.info("desktop notification not shown: %s", type(error).__name__)
        return False
    if reply.header.message_type is MessageType.error:
        log.info("desktop notification refused by the notification service")
        return False
    if reply.body and isinstance(reply.body[0], int):
        with _lock:
            _last_id = reply.body[0]
    return True


def notify_later(summary: str, body: str = "", urgent: bool = False) -> threading.Thread | None:
    """``notify`` on a short-lived thread (the window's event loop never waits on a bus);
    the thread is returned for the tests, None when the platform has no such service."""
    if not supported():
        return None
    thread = threading.Thread(
        target=notify, args=(summary, body, urgent), name="desktop-notice", daemon=True
    )
    thread.start()
    return thread
