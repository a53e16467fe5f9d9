"""The MSSanté ``X-MSS-*`` message headers (notes §4.4, ECO.2.4.x and ECO.2.2.8).

``X-MSS-CODECDA``: the CDA ``code`` of each document, comma-separated when several;
``X-MSS-INS``: ``O`` when a qualified INS is in the archive, ``N`` otherwise;
``X-MSS-NIL``: the sending software's Convergence reference; ``X-MSS-MES: FIN``: the
professional does not want the patient to reply. Values are what the sender claims: hints
for display and sorting, never a substitute for reading the documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAMES = ("X-MSS-CODECDA", "X-MSS-INS", "X-MSS-NIL", "X-MSS-MES")
# ECO.2.4.3: the product's reference on the ANS Convergence platform, on every message sent.
# Caducée has no Convergence reference yet: this placeholder says so until one is issued.
NIL_REFERENCE = "CADUCEE-NON-REFERENCE"
_CODE = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")


@dataclass(frozen=True)
class MssHeaders:
    cda_codes: tuple[str, ...] = ()
    qualified_ins: bool | None = None  # None when the header is absent or unreadable
    nil: str | None = None
    end_conversation: bool = False


def mss_headers(headers: dict[str, str]) -> dict[str, str]:
    """The ``X-MSS-*`` fields among parsed headers, names upper-cased, values capped."""
    return {
        name.upper(): value.strip()[:1000]
        for name, value in headers.items()
        if name.upper().startswith("X-MSS-")
    }


def parse_mss(headers: dict[str, str]) -> MssHeaders:
    found = mss_headers(headers)
    codes = tuple(
        code
        for code in (c.strip() for c in found.get("X-MSS-CODECDA", "").split(","))
        if _CODE.match(code)
    )
    ins_value = found.get("X-MSS-INS", "").strip().upper()
    qualified = {"O": True, "N": False}.get(ins_value)
    nil = found.get("X-MSS-NIL", "").strip()[:64] or None
    end = found.get("X-MSS-MES", "").strip().upper() == "FIN"
    return MssHeaders(codes[:50], qualified, nil, end)
