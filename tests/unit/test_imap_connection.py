"""How a connection is left: LOGOUT when the work ends, a plain drop on Ctrl-C."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from types import SimpleNamespace

import pytest
from imapclient import IMAPClient

from app.transport.endpoints import Endpoint
from app.transport.imap import ImapConnection, _quiet_imaplib


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def logout(self) -> None:
        self.calls.append("logout")

    def shutdown(self) -> None:
        self.calls.append("shutdown")


def connection(client: RecordingClient) -> ImapConnection:
    endpoint = Endpoint.parse("imaps://imap.example.test")
    return ImapConnection(client, endpoint, "TLSv1.3", "", [], None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raised", "expected"),
    [(None, ["logout"]), (ValueError, ["logout"]), (KeyboardInterrupt, ["shutdown"])],
)
def test_leaving_the_block(raised: type[BaseException] | None, expected: list[str]) -> None:
    client = RecordingClient()
    with pytest.raises(raised) if raised else nullcontext():
        with connection(client):
            if raised:
                raise raised
    assert client.calls == expected


def test_the_uid_of_a_copied_message() -> None:
    from app.transport.imap import _copied_uid

    assert _copied_uid(b"[COPYUID 1700000000 5 12] Copy completed (0.001 + 0.000 secs).") == 12
    assert _copied_uid(b"COPYUID 38505 304 3956") == 3956
    assert _copied_uid(b"Copy completed (0.001 + 0.000 secs).") is None


def test_imaplib_debug_output_is_off_unless_its_logger_wants_it() -> None:
    """imaplib formats repr() of every FETCH literal at debug level 5, even for nobody."""
    client = IMAPClient.__new__(IMAPClient)  # no connection needed
    client._imap = SimpleNamespace(debug=5)
    _quiet_imaplib(client)
    assert client._imap.debug == 0

    logger = logging.getLogger("imapclient.imaplib")
    client._imap.debug = 5
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        _quiet_imaplib(client)
    finally:
        logger.setLevel(previous)
    assert client._imap.debug == 5
