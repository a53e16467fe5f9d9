"""Folder roles guessed from names when the server has no SPECIAL-USE."""

from __future__ import annotations

from app.store.folder_roles import folder_role


def test_roles_by_name() -> None:
    assert folder_role("Sent", "/", None) == "Sent"
    assert folder_role("INBOX.Corbeille", ".", None) == "Trash"  # nested under INBOX
    assert folder_role("Éléments supprimés", "/", None) == "Trash"
    assert folder_role("Archives.Corbeille", ".", None) is None  # a folder of hers
    assert folder_role("Patients", "/", None) is None
    assert folder_role("Boîte", None, "Inbox") == "Inbox"  # the server's word wins
