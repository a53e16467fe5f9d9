"""The HTML of a message, for a reader that renders it (after sanitising): the first HTML
text part that is not an attachment. Built on the parser's tree walk, which is made never to
raise on malformed input (fuzzed in the tests)."""

from __future__ import annotations

# The tree walk, payload decoding and charset rules are the parser's own (same package).
from app.store.mime import (
    _META_CHARSET,
    TEXT_SCAN_LIMIT,
    _build_tree,
    _decode_text,
    _Defects,
    _payload,
    _roles,
)


def html_body(raw: bytes) -> str | None:
    defects = _Defects()
    nodes = _build_tree(raw, 0, len(raw), defects)
    body, _attachments = _roles(nodes)
    html_nodes = [i for i, node in enumerate(nodes) if node.kind == "html"]
    shown = [i for i in html_nodes if i in body] or [
        i for i in html_nodes if nodes[i].disposition != "attachment"
    ]
    if not shown:
        return None
    node = nodes[shown[0]]
    data = _payload(raw, node, defects, limit=TEXT_SCAN_LIMIT)
    param = node.params.get("charset")
    charset = param.value if param is not None else None
    if not charset:
        meta = _META_CHARSET.search(data, 0, 8192)
        charset = meta.group(1).decode("ascii") if meta else None
    return _decode_text(data, charset, defects)
