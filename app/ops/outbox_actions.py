"""What she does with the outbox (the window's "Boîte d'envoi" and ``caducee outbox``):
send again, delete, close a failure's notice; and the server's refusal said in French.

The server's reply is kept as it came (``last_error`` holds its code and text); ``explain``
adds what it means and what to do, from the enhanced status code (RFC 3463) when the
server gave one, else from the basic reply code (RFC 5321).
"""

from __future__ import annotations

import re

from app.core.audit import Action
from app.ops.outbox import retry
from app.store.db import Store
from app.store.outbox import OutboxItem, OutboxStore

DELETABLE_STATES = ("queued", "failed", "uncertain", "sent")  # never while being sent

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})\b")
_BASIC = re.compile(r"(?<![\d.])([245]\d\d)(?=[\s\-]|$)")

# (class digit, subject, detail) or (subject, detail) as "*": the meaning of X.Y.Z
_DETAILS = {
    ("1", "1"): "l'adresse du destinataire n'existe pas chez son opérateur",
    ("1", "2"): "le domaine de l'adresse du destinataire est inconnu",
    ("1", "3"): "l'adresse du destinataire est mal écrite",
    ("1", "6"): "le destinataire a changé d'adresse",
    ("1", "7"): "l'adresse d'expédition est mal formée",
    ("1", "8"): "l'adresse d'expédition est refusée par le serveur",
    ("1", "10"): "le destinataire n'accepte pas de messages",
    ("2", "1"): "la boîte du destinataire est désactivée",
    ("2", "2"): "la boîte du destinataire est pleine",
    ("2", "3"): "le message dépasse la taille que la boîte du destinataire accepte",
    ("3", "4"): "le message est trop volumineux pour le serveur",
    ("7", "1"): "le serveur refuse ce message (règle de l'opérateur : expéditeur ou "
    "destinataire non autorisé, par exemple hors de l'espace de confiance MSSanté)",
    ("7", "8"): "l'identification auprès du serveur a été refusée",
    ("7", "9"): "le mode d'identification est jugé trop faible par le serveur",
}
_SUBJECTS = {
    "1": "problème d'adresse",
    "2": "problème de boîte du destinataire",
    "3": "problème du serveur de messagerie",
    "4": "problème de réseau ou d'acheminement",
    "5": "erreur de protocole",
    "6": "contenu ou format du message refusé",
    "7": "refus de sécurité ou de règle de l'opérateur",
}
_BASIC_MEANINGS = {
    "421": "le serveur d'envoi est momentanément indisponible",
    "450": "la boîte du destinataire est momentanément indisponible",
    "451": "le serveur a eu un problème local",
    "452": "le serveur manque momentanément de place",
    "530": "le serveur exige une identification",
    "535": "l'identification auprès du serveur a été refusée",
    "550": "la boîte du destinataire est introuvable ou refuse le message",
    "551": "le destinataire n'est pas chez cet opérateur",
    "552": "le message dépasse la taille autorisée",
    "553": "l'adresse est refusée (mal formée ou non autorisée)",
    "554": "le serveur a refusé le message",
}
_ADVICE = {
    "1": "Vérifiez l'adresse (l'annuaire MSSanté aide), puis « Modifier » pour la corriger.",
    "2": "Prévenez le destinataire par un autre moyen ; « Réessayer » plus tard.",
    "3": "Retirez ou allégez des pièces jointes (« Modifier »), puis envoyez à nouveau.",
    "7": "Vérifiez l'adresse et votre compte ; si le refus persiste, contactez votre "
    "opérateur MSSanté avec le code ci-dessus.",
}


def explain(reply: str | None) -> str | None:
    """What a server's refusal means, in French, with the code kept; None without a code."""
    if not reply:
        return None
    enhanced = _ENHANCED.search(reply)
    basic = _BASIC.search(reply)
    if enhanced is None and basic is None:
        return None
    if enhanced is not None:
        klass, subject, detail = enhanced.groups()
        code = enhanced.group(0)
        meaning = _DETAILS.get((subject, detail)) or _SUBJECTS.get(subject, "refus du serveur")
        advice = _ADVICE.get(subject if (subject, detail) != ("3", "4") else "3", "")
    else:
        assert basic is not None  # noqa: S101 - one of the two matched
        code = basic.group(1)
        klass = code[0]
        meaning = _BASIC_MEANINGS.get(code, "refus du serveur")
        advice = {"550": _ADVICE["1"], "552": _ADVICE["3"], "553": _ADVICE["1"]}.get(code, "")
    kind = (
        "Refus temporaire (nouvel essai automatique)"
        if klass == "4"
        else "Refus définitif (il ne repartira pas seul)"
        if klass == "5"
        else "Réponse du serveur"
    )
    text = f"{kind} : {meaning} (code {code})."
    return f"{text} {advice}" if advice and klass == "5" else text


def send_again(store: Store, item_id: int, *, resend_uncertain: bool = False) -> OutboxItem | None:
    """Her "Réessayer" (in the audit trail); see ``outbox.retry``."""
    item = retry(store, item_id, resend_uncertain=resend_uncertain)
    if item is not None:
        store.audited(
            Action.SEND,
            account=item.account,
            request="boîte d'envoi : réessayer",
            result="renvoi confirmé malgré le doute" if resend_uncertain else "remis en attente",
            detail=f"boîte d'envoi n° {item.id}",
        )
    return item


def delete(store: Store, item_id: int) -> OutboxItem | None:
    """Her "Supprimer": the message leaves the outbox (never one being sent right now)."""
    item = OutboxStore(store).remove(item_id, from_states=DELETABLE_STATES)
    if item is not None:
        store.audited(
            Action.DELETE,
            account=item.account,
            folder="boîte d'envoi",
            request="local",
            result=f"supprimé (état : {item.state})",
            detail=f"boîte d'envoi n° {item.id}",
        )
    return item


def dismiss(store: Store, items: list[OutboxItem]) -> None:
    """She closed the notice of these failures: they stay in the outbox."""
    OutboxStore(store).dismiss([i.id for i in items])
