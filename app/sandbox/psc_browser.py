"""A browser and a phone on the lab provider's pages, for tests and the demo's checks.

``browser_sign_in`` does over HTTP what a browser does on the sign-in page (and, for the
e-CPS, what the phone does); ``phone_answer`` is the phone on the "e-CPS de démonstration"
page. Both speak to the pages as they are served: no shortcut into the provider.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# -- a browser, for tests -------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _http(url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, Location, body) of one request, redirects not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with _OPENER.open(url, data=data, timeout=10) as response:
            return response.status, "", response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    if not found:
        raise ValueError(f"no {name} in the page")
    return html.unescape(found.group(1))


def _form_action(page: str) -> str:
    found = re.search(r'<form[^>]* action="([^"]*)"', page)
    if not found:
        raise ValueError("no form in the page")
    return html.unescape(found.group(1))


def browser_sign_in(
    authorize_url: str, national_id: str, method: str = "cps", *, approve: bool = True
) -> str:
    """Do what the browser (and, for ``ecps``, the phone) would do on the provider's pages;
    return the URL the provider redirects to (the client's redirect URI with ``code`` and
    ``state``, or ``error``). ValueError when the provider answers with a page instead
    (an invalid request: no redirect is allowed then); its text is in the message."""
    status, location, page = _http(authorize_url)
    if location:
        return location
    if status != 200:
        raise ValueError(_page_text(page))
    decision = {
        "tx": _field(page, "tx"),
        "method": method,
        "national_id": national_id,
        "action": "approve" if (approve or method == "ecps") else "cancel",
    }
    status, location, page = _http(_form_action(page), decision)
    if location or method != "ecps":
        if not location:
            raise ValueError(_page_text(page))
        return location
    poll = re.search(r'url=([^"]+)"', page)
    user_code = re.search(r'class="code">([^<]+)<', page)
    if status != 200 or not poll or not user_code:
        raise ValueError(_page_text(page))
    device = re.search(r'href="([^"]+)">e-CPS', page)
    if device is None:
        raise ValueError(_page_text(page))
    phone_answer(html.unescape(device.group(1)), national_id, approve=approve)
    status, location, page = _http(html.unescape(poll.group(1)))
    if not location:
        raise ValueError(_page_text(page))
    return location


def phone_answer(verification_url: str, national_id: str, *, approve: bool = True) -> str:
    """What the phone does with a verification URL (``verification_uri_complete``, or the
    e-CPS link of the browser flow): open the "e-CPS de démonstration" page, answer with
    ``national_id``. Returns the page's confirmation; ValueError with its message if the
    provider refuses (unknown or expired code, unknown national id, someone else's push)."""
    status, _location, page = _http(verification_url)
    if status != 200:
        raise ValueError(_page_text(page))
    answer = {
        "user_code": _field(page, "user_code"),
        "national_id": national_id,
        "action": "approve" if approve else "refuse",
    }
    status, _location, page = _http(_form_action(page), answer)
    if status != 200:
        found = re.search(r'class="error"[^>]*>([^<]+)<', page)
        raise ValueError(html.unescape(found.group(1)) if found else _page_text(page))
    return _page_text(page)


def _page_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page))).strip()
