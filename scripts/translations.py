"""Qt translations of the window: French source strings (in the code), English catalogue.

    .venv/bin/python scripts/translations.py          # update .ts from the code, build .qm
    .venv/bin/python scripts/translations.py --check  # fail if either is out of date

The English texts live in ``ENGLISH`` below (source text -> translation), so that adding a
French string without its English fails the check instead of shipping untranslated.
"""

from __future__ import annotations

import argparse
import filecmp
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "app" / "resources" / "i18n" / "caducee_en.ts"
QM = TS.with_suffix(".qm")
TOOLS = Path(sys.executable).parent

ENGLISH = {
    "Rédaction": "Write",
    "Expéditeur": "Sender",
    "Objet": "Subject",
    "Texte du message": "Message text",
    "Pièces jointes": "Attachments",
    "Accusé de remise": "Delivery receipt",
    "Accusé de lecture": "Read receipt",
    "De :": "From:",
    "À :": "To:",
    "Copie :": "Cc:",
    "Copie cachée :": "Bcc:",
    "Objet :": "Subject:",
    "Joindre…": "Attach…",
    "Envoyer": "Send",
    "Abandonner": "Discard",
    "Pièces jointes :": "Attachments:",
    "Joindre des fichiers": "Attach files",
    "Envoi impossible": "Cannot send",
    "Ce compte n'a pas de serveur d'envoi (SMTP).": "This account has no outgoing (SMTP) server.",
    "Sans objet": "No subject",
    "Envoyer ce message sans objet ?": "Send this message without a subject?",
    "Destinataires": "Recipients",
    "Copie": "Cc",
    "Copie cachée": "Bcc",
    "Message d'erreur": "Error message",
    "Réessayer": "Retry",
    "Détails": "Details",
    "Fermer": "Close",
    "Dossiers": "Folders",
    "Compte {0}": "Account {0}",
    "Liste des messages": "Message list",
    "Barre d'outils": "Toolbar",
    "Relever": "Get mail",
    "Relever le courrier (F5)": "Get new mail (F5)",
    "Écrire": "Write",
    "Répondre": "Reply",
    "Répondre à tous": "Reply all",
    "Transférer": "Forward",
    "Non lus": "Unread",
    "Suivis": "Flagged",
    "Avec pièces jointes": "With attachments",
    "Rechercher (objet, adresses, texte, pièces…)": "Search (subject, addresses, text, files…)",
    "Recherche": "Search",
    "Rechercher": "Search",
    "Supprimer": "Delete",
    "{0} résultat(s)": "{0} result(s)",
    "{0} message(s)": "{0} message(s)",
    "Supprimer définitivement ?": "Delete for good?",
    "Le supprimer quand même ?": "Delete it anyway?",
    "Choisissez d'abord un message téléchargé.": "Choose a downloaded message first.",
    "Message placé dans la boîte d'envoi.": "Message placed in the outbox.",
    "synchronisation…": "syncing…",
    "connecté": "connected",
    "carte retirée": "card removed",
    "carte à vérifier": "check the card",
    "identifiant refusé": "login refused",
    "certificat refusé": "certificate refused",
    "hors ligne": "offline",
    "erreur": "error",
    "(sans objet)": "(no subject)",
    "non lu": "unread",
    "lu": "read",
    "Date": "Date",
    "Document PDF": "PDF document",
    "Ce PDF est illisible ou endommagé.": "This PDF cannot be read or is damaged.",
    "En-têtes du message": "Message headers",
    "Ouvrir": "Open",
    "Enregistrer sous…": "Save as…",
    "Date :": "Date:",
    "Chargement…": "Loading…",
    "Ce message n'est pas encore téléchargé : il le sera à la prochaine synchronisation.": (
        "This message is not downloaded yet: it will be at the next sync."
    ),
    "Enregistrer la pièce jointe": "Save the attachment",
    "Brouillons": "Drafts",
    "Brouillons ({0})": "Drafts ({0})",
    "Reprendre les messages non envoyés": "Resume the unsent messages",
    "{0} nouveau(x) message(s)": "{0} new message(s)",
    "Ouvrir le lien ?": "Open the link?",
    "Plus de message non lu ici.": "No more unread messages here.",
    "Verrouiller": "Lock",
    "Session verrouillée": "Session locked",
    "Vos messages sont masqués. Déverrouillez avec votre carte CPS et son code.": (
        "Your messages are hidden. Unlock with your CPS card and its PIN."
    ),
    "Déverrouiller": "Unlock",
    "Carte CPS retirée : relève et envoi suspendus. Réinsérez-la, puis "
    "« Relever » pour saisir votre code.": (
        "CPS card removed: getting and sending mail suspended. Insert it again, then "
        "“Get mail” to type your PIN."
    ),
    "Carte CPS réinsérée : « Relever » pour saisir votre code.": (
        "CPS card back: “Get mail” to type your PIN."
    ),
    "État de la carte CPS": "CPS card state",
    "Envoyer l'accusé": "Send the receipt",
    "Ne pas envoyer": "Do not send",
    "{0} demande un accusé de lecture.": "{0} asks for a read receipt.",
    "Accusé de lecture placé dans la boîte d'envoi.": "Read receipt placed in the outbox.",
    "Ce lien mène à :\n{0}\n\nL'ouvrir dans le navigateur ?": (
        "This link leads to:\n{0}\n\nOpen it in the browser?"
    ),
}


def _run(tool: str, *args: str) -> None:
    subprocess.run([str(TOOLS / tool), *args], check=True, capture_output=True)  # noqa: S603


def build(ts: Path, qm: Path) -> list[str]:
    """Write ``ts`` from the code and ``qm`` from it; returns the sources with no English."""
    sources = sorted(str(p) for p in (ROOT / "app" / "ui").glob("*.py"))
    ts.unlink(missing_ok=True)
    _run("pyside6-lupdate", "-no-obsolete", "-locations", "none", *sources, "-ts", str(ts))
    tree = ET.parse(ts)  # noqa: S314 - written by lupdate just above
    missing = []
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None  # noqa: S101 - lupdate always writes one
        if source in ENGLISH:
            translation.text = ENGLISH[source]
            translation.attrib.pop("type", None)
        else:
            missing.append(source)
    tree.getroot().set("sourcelanguage", "fr_FR")
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    _run("pyside6-lrelease", str(ts), "-qm", str(qm))
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Qt translation files of Caducée")
    parser.add_argument("--check", action="store_true", help="fail if out of date")
    args = parser.parse_args(argv)
    if not args.check:
        missing = build(TS, QM)
        for source in missing:
            print(f"no English for: {source!r}", file=sys.stderr)
        return 1 if missing else 0
    with tempfile.TemporaryDirectory() as directory:
        ts, qm = Path(directory) / TS.name, Path(directory) / QM.name
        missing = build(ts, qm)
        stale = not (TS.exists() and filecmp.cmp(ts, TS, shallow=False))
        stale = stale or not (QM.exists() and filecmp.cmp(qm, QM, shallow=False))
    for source in missing:
        print(f"no English for: {source!r}", file=sys.stderr)
    if stale:
        print("translations out of date: run scripts/translations.py", file=sys.stderr)
    return 1 if missing or stale else 0


if __name__ == "__main__":
    sys.exit(main())
