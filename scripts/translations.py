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
    "connexion Pro Santé Connect à refaire": "Pro Santé Connect sign-in needed",
    "Pro Santé Connect (carte CPS ou e-CPS)": "Pro Santé Connect (CPS card or e-CPS)",
    "Connexion Pro Santé Connect": "Pro Santé Connect sign-in",
    "Connectez-vous avec votre carte CPS ou votre e-CPS.": "Sign in with your CPS card or your e-CPS.",
    "Sur cet ordinateur (navigateur)": "On this computer (browser)",
    "Avec mon téléphone (code QR e-CPS)": "With my phone (e-CPS QR code)",
    "Notification sur mon téléphone (CIBA)": "Notification on my phone (CIBA)",
    "Flashez ce code avec l'application e-CPS de votre téléphone.": "Scan this code with the e-CPS app on your phone.",
    "Nouveau code": "New code",
    "Identifiant national (RPPS ou ADELI)": "National id (RPPS or ADELI)",
    "Recherche du fournisseur Pro Santé Connect…": "Looking for the Pro Santé Connect provider…",
    "Ce fournisseur ne propose pas le code QR.": "This provider does not offer the QR code.",
    "Choisissez comment vous connecter.": "Choose how to sign in.",
    "Poursuivez dans le navigateur (carte CPS ou e-CPS), puis revenez ici.": "Continue in the browser (CPS card or e-CPS), then come back here.",
    "Demande d'un code…": "Asking for a code…",
    "Validez la connexion sur votre téléphone…": "Approve the sign-in on your phone…",
    "Ou ouvrez %1 et saisissez ce code.": "Or open %1 and type this code.",
    "En attente de la validation sur le téléphone…": "Waiting for the approval on the phone…",
    "Code expiré : demandez un nouveau code.": "Code expired: ask for a new code.",
    "Code valable encore %1": "Code valid for %1 more",
    "Ce code mène à une page de cet ordinateur (127.0.0.1) : un téléphone ne "
    'peut pas l\'ouvrir. <a href="%1">Ouvrir la page de validation dans le '
    "navigateur de cet ordinateur</a>.": (
        "This code leads to a page on this computer (127.0.0.1): a phone cannot open it. "
        '<a href="%1">Open the approval page in this computer\'s browser</a>.'
    ),
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
    "relève en cours ailleurs": "getting mail in another process",
    "erreur": "error",
    "(sans objet)": "(no subject)",
    "non lu": "unread",
    "lu": "read",
    "Date": "Date",
    "Document PDF": "PDF document",
    "Ce PDF est illisible ou endommagé.": "This PDF cannot be read or is damaged.",
    "PDF non affiché": "PDF not shown",
    "En-têtes du message": "Message headers",
    "Ouvrir": "Open",
    "Enregistrer sous…": "Save as…",
    "Date :": "Date:",
    "Chargement…": "Loading…",
    "Ce message est trop complexe pour être affiché en HTML ; voici son texte.": "This message is too complex to show as HTML; here is its text.",
    "Ce document est trop complexe pour être affiché en HTML ; voici son texte.": "This document is too complex to show as HTML; here is its text.",
    "Ce message n'a pas pu être lu.": "This message could not be read.",
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
    "Vos messages sont masqués.": "Your messages are hidden.",
    "Déverrouillez avec votre carte CPS et son code.": "Unlock with your CPS card and its PIN.",
    "Déverrouillez en vous reconnectant avec Pro Santé Connect (carte CPS ou "
    "e-CPS) : la fenêtre de connexion s'ouvrira.": (
        "Unlock by signing in again with Pro Santé Connect (CPS card or e-CPS): the sign-in "
        "window will open."
    ),
    "Déverrouillez avec votre carte CPS et son code ; pour les comptes Pro Santé "
    "Connect, la fenêtre de connexion (carte CPS ou e-CPS) s'ouvrira.": (
        "Unlock with your CPS card and its PIN; for Pro Santé Connect accounts, the sign-in "
        "window (CPS card or e-CPS) will open."
    ),
    "Déverrouiller avec Pro Santé Connect": "Unlock with Pro Santé Connect",
    "Déverrouiller": "Unlock",
    "Carte CPS retirée : relève et envoi suspendus. Réinsérez-la, puis "
    "« Relever » pour saisir votre code.": (
        "CPS card removed: getting and sending mail suspended. Insert it again, then "
        "“Get mail” to type your PIN."
    ),
    "Carte CPS réinsérée : « Relever » pour saisir votre code.": (
        "CPS card back: “Get mail” to type your PIN."
    ),
    "Carte CPS retirée : réinsérez-la, puis « Déverrouiller » et votre code.": (
        "CPS card removed: insert it again, then “Unlock” and your PIN."
    ),
    "État de la carte CPS": "CPS card state",
    "Envoyer l'accusé": "Send the receipt",
    "Ne pas envoyer": "Do not send",
    "{0} demande un accusé de lecture.": "{0} asks for a read receipt.",
    "Accusé de lecture placé dans la boîte d'envoi.": "Read receipt placed in the outbox.",
    "Ce lien mène à :\n{0}\n\nL'ouvrir dans le navigateur ?": (
        "This link leads to:\n{0}\n\nOpen it in the browser?"
    ),
    # first-run wizard (app/ui/wizard*.py)
    "Votre adresse de messagerie": "Your mail address",
    "Adresse :": "Address:",
    "Certificat logiciel": "Software certificate",
    "Parcourir…": "Browse…",
    "Fichier .p12 :": ".p12 file:",
    "Phrase secrète :": "Passphrase:",
    "Connexion par mot de passe": "Password sign-in",
    "par défaut : l'adresse": "default: the address",
    "Identifiant :": "Username:",
    "Mot de passe :": "Password:",
    "L'adresse de cette boîte aux lettres.": "The address of this mailbox.",
    (
        "Votre adresse de messagerie sécurisée de santé (MSSanté), par exemple "
        "prenom.nom@medecin.mssante.fr."
    ): (
        "Your secure health mail (MSSanté) address, for example "
        "firstname.lastname@medecin.mssante.fr."
    ),
    "Recherche de vos adresses dans l'annuaire santé…": (
        "Looking up your addresses in the health directory…"
    ),
    "Adresse(s) trouvée(s) dans l'annuaire santé pour votre RPPS.": (
        "Address(es) found in the health directory for your RPPS."
    ),
    (
        "L'annuaire santé n'indique pas d'adresse pour votre RPPS : saisissez-la (par exemple "
        "prenom.nom@medecin.mssante.fr)."
    ): (
        "The health directory has no address for your RPPS: type it (for example "
        "firstname.lastname@medecin.mssante.fr)."
    ),
    "Certificats (*.p12 *.pfx)": "Certificates (*.p12 *.pfx)",
    "Votre carte CPS": "Your CPS card",
    "Le lecteur, la carte, puis votre code.": "The reader, the card, then your PIN.",
    "La carte indique": "The card says",
    "Nom :": "Name:",
    "Profession :": "Profession:",
    "RPPS :": "RPPS:",
    "Essais restants :": "Tries left:",
    "Code de la carte :": "Card PIN:",
    "Valider le code": "Check the PIN",
    "Rechercher à nouveau": "Look again",
    "Recherche du lecteur et de la carte…": "Looking for the reader and the card…",
    "Cliquez sur « Valider le code », puis tapez-le sur le lecteur.": (
        "Click “Check the PIN”, then type it on the reader."
    ),
    "Saisissez le code de votre carte (4 à 8 chiffres).": "Type your card's PIN (4 to 8 digits).",
    "Attention : dernier essai avant le blocage de la carte. ": (
        "Warning: last try before the card locks. "
    ),
    "Attention : un code erroné a déjà été saisi. ": (
        "Warning: a wrong PIN has already been typed. "
    ),
    "Carte CPS trouvée": "CPS card found",
    "non indiqué": "not given",
    "inconnu": "unknown",
    "Aucun lecteur de carte": "No card reader",
    "Aucune carte dans le lecteur": "No card in the reader",
    "Logiciel de la carte introuvable": "Card software not found",
    "Carte non reconnue": "Card not recognised",
    "La carte n'a pas pu être lue": "The card could not be read",
    "Carte CPS bloquée": "CPS card locked",
    "Vérification du code…": "Checking the PIN…",
    "Code accepté": "PIN accepted",
    "Code incorrect": "Wrong PIN",
    "Code non envoyé à la carte": "PIN not sent to the card",
    "Aucun essai n'a été utilisé.": "No try was used.",
    "Échec": "Failed",
    "Connexion": "Connection",
    "Connexion à {0}…": "Connecting to {0}…",
    "Compte enregistré": "Account saved",
    (
        "Le compte {0} est prêt. La première relève commence à l'ouverture de la messagerie ; "
        "vous pouvez vous en servir pendant qu'elle avance."
    ): (
        "The account {0} is ready. The first mail check starts when the mail window opens; you "
        "can use it while the check goes on."
    ),
    "Certificat refusé": "Certificate refused",
    "Serveur injoignable": "Server unreachable",
    "Connexion refusée": "Sign-in refused",
    "Certificat logiciel illisible": "Software certificate unreadable",
    "Compte déjà configuré": "Account already set up",
    "Problème de carte": "Card problem",
    "La connexion a échoué": "The connection failed",
    "Vérifiez les réglages (« Précédent ») ou réessayez.": (
        "Check the settings (“Back”) or try again."
    ),
    "Caducée — premier démarrage": "Caducée — first start",
    "Suivant >": "Next >",
    "< Précédent": "< Back",
    "Annuler": "Cancel",
    "Ouvrir la messagerie": "Open the mail",
    "Garder dans le trousseau du système (sinon demandé à chaque démarrage)": (
        "Keep in the system keyring (otherwise asked at every start)"
    ),
    "Le secret est confié au trousseau de Windows ou de votre session, jamais écrit dans un "
    "fichier. Le code de la carte CPS n'est jamais gardé.": (
        "The secret goes to the Windows or session keyring, never to a file. The CPS card "
        "PIN is never kept."
    ),
    "Le compte {0} est prêt. Sa première relève commence dès que vous cliquez sur "
    "« Terminer ».": "The account {0} is ready. Its first sync starts when you click “Finish”.",
    "Le secret est gardé dans le trousseau du système.": (
        "The secret is kept in the system keyring."
    ),
    "Aucun trousseau du système n'est disponible : le secret vous sera demandé à chaque "
    "démarrage.": "No system keyring is available: the secret will be asked at every start.",
    "Caducée — ajouter un compte": "Caducée — add an account",
    "Terminer": "Finish",
    "&Fichier": "&File",
    "Ajouter un compte…": "Add an account…",
    "Quitter": "Quit",
    "Bienvenue dans Caducée": "Welcome to Caducée",
    "Configurons votre messagerie sécurisée de santé (MSSanté). Comment vous connectez-vous ?": (
        "Let us set up your secure health mail (MSSanté). How do you sign in?"
    ),
    "Avec ma carte CPS (recommandé)": "With my CPS card (recommended)",
    "Avec un certificat logiciel (fichier .p12)": "With a software certificate (.p12 file)",
    "Avec un mot de passe (une autre boîte aux lettres, non MSSanté)": (
        "With a password (another mailbox, not MSSanté)"
    ),
    "Les serveurs de votre opérateur": "Your operator's servers",
    "facultatif : IGC-Santé fournie par défaut": "optional: the bundled IGC-Santé by default",
    "Réception (IMAP) :": "Incoming (IMAP):",
    "Envoi (SMTP) :": "Outgoing (SMTP):",
    "Autorités de confiance (PEM) :": "Trusted authorities (PEM):",
    "Autorités de confiance": "Trusted authorities",
    "Certificats (*.pem *.crt *.cer)": "Certificates (*.pem *.crt *.cer)",
    "Tester": "Test",
    "Recherche des serveurs de {0}…": "Looking for the servers of {0}…",
    "Serveurs trouvés": "Servers found",
    "Réglages trouvés automatiquement ({0}). Vous pouvez les tester.": (
        "Settings found automatically ({0}). You can test them."
    ),
    (
        "Aucun réglage n'a été trouvé pour « {0} » (profils d'opérateurs, DNS, "
        "autoconfiguration). Saisissez les adresses des serveurs indiquées par votre "
        "opérateur, puis cliquez sur « Tester »."
    ): (
        "No settings were found for “{0}” (operator profiles, DNS, autoconfiguration). Type "
        "the server addresses your operator gave you, then click “Test”."
    ),
    "Opérateur inconnu": "Unknown operator",
    "« {0} » n'est pas une adresse IMAP.": "“{0}” is not an IMAP address.",
    "« {0} » n'est pas une adresse SMTP.": "“{0}” is not an SMTP address.",
    "Adresse de serveur invalide": "Invalid server address",
    "Test en cours…": "Testing…",
    "Test réussi": "Test passed",
    "Tout fonctionne : cliquez sur Suivant.": "Everything works: click Next.",
    "Le test a échoué": "The test failed",
    "Se connecter autrement (certificat logiciel, mot de passe)…": "Sign in another way (software certificate, password)…",
    "<b>{0}</b><br>De : {1}": "<b>{0}</b><br>From: {1}",
    "Classer — {0}": "Filing — {0}",
    "Pièce jointe refusée : {0} — {1}": "Attachment refused: {0} — {1}",
    "Document": "Document",
    "<b>Patient</b>": "<b>Patient</b>",
    "Patient": "Patient",
    "Nouveau patient…": "New patient…",
    "Trait": "Trait",
    "Lu dans le document": "Read in the document",
    "Patient choisi": "Chosen patient",
    "Classer": "File to patient",
    "Ne pas classer…": "Do not file…",
    "Identité impossible à établir : le message sort de « À classer » et l'expéditeur peut en être averti (accusé d'erreur).": "Identity cannot be established: the message leaves “To be filed” and the sender can be told (error receipt).",
    "Aucun document à classer dans ce message.": "No document to file in this message.",
    "Document {0} : {1}{2}": "Document {0}: {1}{2}",
    "Aperçu indisponible pour ce document.": "No preview for this document.",
    "— choisir un patient —": "— choose a patient —",
    "Nom de naissance": "Birth name",
    "Nom d'usage": "Used name",
    "Prénom(s)": "First name(s)",
    "Date de naissance": "Date of birth",
    "Sexe": "Sex",
    "INS": "INS",
    "Destination : choisissez ou créez le patient.": "Destination: choose or create the patient.",
    "Destination : {0}": "Destination: {0}",
    "INS de test ou de démonstration : jamais classé automatiquement ; vérifiez qu'il ne s'agit pas d'un vrai patient.": "Test or demo INS: never filed automatically; check that this is not a real patient.",
    "Incohérence : {0}": "Inconsistency: {0}",
    "Probable": "Probable",
    "Patient choisi par vous : comparez les traits.": "Patient chosen by you: compare the traits.",
    "Aucun patient correspondant.": "No matching patient.",
    "Nouveau patient": "New patient",
    "Ne pas classer": "Do not file",
    "Ne pas classer les documents de ce message ? Ils sortent de « À classer » et l'expéditeur peut être averti que l'identité du patient n'a pas pu être établie.": "Do not file the documents of this message? They leave “To be filed” and the sender can be told that the patient's identity could not be established.",
    "Non classé (code {0}).": "Not filed (code {0}).",
    "L'expéditeur demande un accusé de traitement. Lui envoyer l'accusé « documents intégrés au dossier du patient » ?": "The sender asks for a processing receipt. Send the receipt “documents added to the patient's record”?",
    "L'expéditeur demande un accusé de traitement. Lui envoyer l'accusé d'erreur (code {0}) ?": "The sender asks for a processing receipt. Send the error receipt (code {0})?",
    "Accusé de traitement": "Processing receipt",
    "Accusé mis en envoi.": "Receipt queued for sending.",
    "À classer": "To be filed",
    "Reçu le": "Received",
    "Patient proposé": "Proposed patient",
    "Identité": "Identity",
    "Classer les documents certains cochés": "File the checked certain documents",
    "Classer…": "File to patient…",
    "Actualiser": "Refresh",
    "Recherche des documents à classer…": "Looking for documents to file…",
    "INS de test : à vérifier": "Test INS: to check",
    "Patient inconnu": "Unknown patient",
    "{0} document(s) à classer, dont {1} avec une identité certaine (cochés : vérifiez-les puis « Classer les documents certains cochés »). Double-cliquez sur une ligne pour la classer vous-même.": "{0} document(s) to file, {1} of them with a certain identity (checked: review them, then “File the checked certain documents”). Double-click a row to file it yourself.",
    "La recherche a échoué : {0}": "The search failed: {0}",
    "{0} document(s) classé(s).": "{0} document(s) filed.",
    "{0} n'ont pas pu l'être.": "{0} could not be.",
    "Les documents reçus à classer dans les dossiers": "Received documents to file into the records",
    "Le message n'est pas encore téléchargé : relevez le courrier d'abord.": "The message is not downloaded yet: get the mail first.",
    "inconnue": "unknown",
    "Femme": "Female",
    "Homme": "Male",
    "Inconnu": "Unknown",
    "Nom de naissance :": "Birth name:",
    "Nom d'usage :": "Used name:",
    "Prénom(s) :": "First name(s):",
    "Date de naissance :": "Date of birth:",
    "Sexe :": "Sex:",
    "Créer": "Create",
    "Classer les documents dans le dossier du patient (C)": "File the documents into the patient's folder (C)",
    "Documents classés dans le dossier du patient.": "Documents filed into the patient's folder.",
    "Choisissez le dossier qui contient les dossiers de vos patients (un sous-dossier par patient). Caducée y classera les documents reçus.\n\nSi vos dossiers sont dans votre logiciel métier, annulez et choisissez Outils > Destination des documents classés… : Caducée déposera les documents dans son dossier d'import.": "Choose the folder that holds your patients' folders (one sub-folder per patient). Caducée files received documents there.\n\nIf your records are in your practice software, cancel and choose Tools > Where filed documents go…: Caducée will put the documents in its import folder.",
    # Classement > Destination… (app/ui/filing_destination.py)
    "Destination des documents classés…": "Where filed documents go…",
    "Destination des documents classés": "Where filed documents go",
    "Où Caducée range les documents reçus une fois le patient reconnu : dans un dossier par patient, ou dans le dossier que votre logiciel métier surveille pour importer les documents.": "Where Caducée puts received documents once the patient is known: in one folder per patient, or in the folder your practice software watches to import documents.",
    "Dossiers des patients (un sous-dossier par patient)": "Patients' folders (one sub-folder per patient)",
    "Logiciel métier (son dossier d'import)": "Practice software (its import folder)",
    "Dossier d'import": "Import folder",
    "HPRIM Santé nommant le patient, PDF à côté": "HPRIM Santé naming the patient, PDF beside it",
    "Archive IHE_XDM.ZIP reçue, telle quelle": "IHE_XDM.ZIP archive as received",
    "Format": "Format",
    "Export des patients (CSV)": "Patients export (CSV)",
    "Au démarrage de Caducée": "When Caducée starts",
    "Chaque jour": "Every day",
    "Relire l'export": "Read the export again",
    "Le format et le dossier d'import dépendent de votre logiciel : vérifiez dans votre logiciel métier (ou auprès de son éditeur) ce qu'il importe et d'où.": "The format and the import folder depend on your software: check in your practice software (or with its vendor) what it imports and from where.",
    "Enregistrer": "Save",
    "Choisir…": "Choose…",
    "Export CSV (*.csv *.txt);;Tous (*)": "CSV export (*.csv *.txt);;All (*)",
    "Indiquez le dossier d'import de votre logiciel métier.": "Give the import folder of your practice software.",
    "Le dossier d'import {0} n'existe pas.": "The import folder {0} does not exist.",
    "Le dossier des patients {0} n'existe pas.": "The patients folder {0} does not exist.",
    "Le fichier d'export {0} est introuvable.": "The export file {0} cannot be found.",
    "Réglages non enregistrés : {0}": "Settings not saved: {0}",
    "Destination : logiciel métier, dossier d'import {0}": "Destination: practice software, import folder {0}",
    "Facultatif : sans lui, la liste des patients reste dans Caducée": "Optional: without it, the patient list stays in Caducée",
    "Le dossier des patients {0} est introuvable.": "The patients folder {0} cannot be found.",
    "Dossier des patients": "Patients folder",
    # the composer and the liste blanche
    "Ces destinataires ne font pas partie de l'espace de confiance MSSanté :": (
        "These recipients are outside the MSSanté trust space:"
    ),
    (
        "Un message envoyé hors MSSanté n'est pas protégé comme la messagerie sécurisée "
        "de santé : n'y mettez pas de données de santé d'un patient."
    ): (
        "A message sent outside MSSanté is not protected like secure health messaging: "
        "do not put a patient's health data in it."
    ),
    (
        "La liste blanche des domaines MSSanté n'est pas encore téléchargée sur ce poste : "
        "seules les adresses en « .mssante.fr » sont reconnues. Elle se télécharge avec "
        "« caducee directory trusted-update »."
    ): (
        "The list of MSSanté domains (liste blanche) has not been downloaded on this computer "
        "yet: only “.mssante.fr” addresses are recognised. Download it with “caducee "
        "directory trusted-update”."
    ),
    "Destinataire hors MSSanté": "Recipient outside MSSanté",
    "Envoyer hors de l'espace de confiance MSSanté ?": "Send outside the MSSanté trust space?",
    "Envoyer quand même": "Send anyway",
    # the address book
    "Carnet d'adresses": "Address book",
    "Annuaire MSSanté et favoris (Ctrl+Maj+B)": "MSSanté directory and favourites (Ctrl+Shift+B)",
    "Nom, profession, ville, établissement ou adresse…": (
        "Name, profession, city, organisation or address…"
    ),
    "Rechercher dans l'annuaire": "Search the directory",
    "Rechercher aussi en ligne (Annuaire Santé)": "Also search online (Annuaire Santé)",
    "La recherche en ligne n'est pas configurée sur ce poste.": (
        "Online search is not set up on this computer."
    ),
    "Profession": "Profession",
    "Spécialité": "Specialty",
    "Département": "Département",
    "Numéro du département, par exemple 35 ou 2A": "Département number, for example 35 or 2A",
    "Type de boîte": "Mailbox type",
    "Personnes et structures": "People and organisations",
    "Personnes (PER)": "People (PER)",
    "Structures, services (ORG)": "Organisations, departments (ORG)",
    "Résultats": "Results",
    "Annuaire hors ligne absent": "No offline directory",
    "Annuaire hors ligne absent.": "No offline directory.",
    "Mettre à jour l'annuaire": "Update the directory",
    "Favoris": "Favourites",
    "Correspondants récents": "Recent correspondents",
    "Détails de l'adresse": "Address details",
    "Écrire à": "Write to",
    "Nouveau message à cette adresse": "New message to this address",
    "Ajouter en À": "Add as To",
    "Ajouter en Cc": "Add as Cc",
    "Ajouter aux favoris": "Add to favourites",
    "Retirer des favoris": "Remove from favourites",
    "Exporter en vCard…": "Export as vCard…",
    "Exporter en vCard": "Export as vCard",
    "Enregistrer les adresses choisies (ou tous les favoris) en vCard": (
        "Save the chosen addresses (or all favourites) as vCard"
    ),
    "Toutes professions": "All professions",
    "Toutes spécialités": "All specialties",
    "Tapez un nom, une profession, une ville ou une adresse.": (
        "Type a name, a profession, a city or an address."
    ),
    "Recherche…": "Searching…",
    "Recherche impossible : {0}": "Search failed: {0}",
    "Recherche en ligne impossible : {0}": "Online search failed: {0}",
    (
        "L'annuaire MSSanté n'est pas encore installé sur ce poste : la recherche d'adresses "
        "a besoin de lui. Vos favoris et vos correspondants récents restent dans les onglets "
        "voisins.\n\n« Mettre à jour l'annuaire » télécharge la liste publique des adresses "
        "MSSanté publiée chaque jour par l'Agence du numérique en santé (environ 20 Mo, "
        "quelques minutes), puis l'installe. On peut aussi le faire en ligne de commande : "
        "« caducee directory update », ou « caducee directory import FICHIER » pour un "
        "fichier Extraction_Correspondance_MSSante déjà téléchargé."
    ): (
        "The MSSanté directory is not installed on this computer yet: searching for "
        "addresses needs it. Your favourites and recent correspondents are in the next "
        "tabs.\n\n“Update the directory” downloads the public list of MSSanté addresses "
        "published daily by the Agence du numérique en santé (about 20 MB, a few minutes), "
        "then installs it. The command line does the same: “caducee directory update”, or "
        "“caducee directory import FILE” for an Extraction_Correspondance_MSSante file "
        "already downloaded."
    ),
    "Annuaire hors ligne : {0} adresses MSSanté.": "Offline directory: {0} MSSanté addresses.",
    "Mise à jour en cours… Vous pouvez continuer à travailler.": (
        "Updating… You can go on working."
    ),
    "La mise à jour a échoué : {0}": "The update failed: {0}",
    "L'annuaire est déjà à jour.": "The directory is already up to date.",
    "Cette adresse n'est pas dans l'annuaire hors ligne.": (
        "This address is not in the offline directory."
    ),
    "Choisissez une adresse pour voir ses détails.": "Choose an address to see its details.",
    "Boîte personnelle (PER)": "Personal mailbox (PER)",
    "Boîte de structure ou de service (ORG)": "Organisation or department mailbox (ORG)",
    "Adresse MSSanté": "MSSanté address",
    "Établissement": "Organisation",
    "Service": "Department",
    "Adresse postale": "Postal address",
    "RPPS": "RPPS",
    "Identifiant": "Identifier",
    "Aucun message en cours de rédaction : « Écrire à » en ouvre un.": (
        "No message being written: “Write to” opens one."
    ),
    "Ajouté au message en cours : {0}": "Added to the message being written: {0}",
    "Retiré des favoris : {0}": "Removed from favourites: {0}",
    "Ajouté aux favoris : {0}": "Added to favourites: {0}",
    "Favoris non enregistrés : {0}": "Favourites not saved: {0}",
    "Export en cours…": "Exporting…",
    "Export impossible : {0}": "Export failed: {0}",
    "{0} fiche(s) exportée(s) dans {1}": "{0} card(s) exported to {1}",
    "Fiches vCard (*.vcf)": "vCard files (*.vcf)",
    "Nom": "Name",
    "Ville": "City",
    "Trouvé en ligne (Annuaire Santé)": "Found online (Annuaire Santé)",
    "Caducée s'est arrêté de façon inattendue lors de sa dernière utilisation.": "Caducée stopped unexpectedly the last time it was used.",
    "Un rapport technique (sans données de santé) est enregistré dans {0} : vous pouvez le transmettre au support.": "A technical report (no health data) was saved in {0}: you can send it to support.",
    "Démarré le {0}, rapport : {1}": "Started on {0}, report: {1}",
    "aucun": "none",
    "Journal d'audit…": "Audit trail…",
    "Journal d'audit": "Audit trail",
    "Phrase secrète du profil": "Profile passphrase",
    "Chiffrement du profil": "Encrypting the profile",
    "Première ouverture de cette version : Caducée chiffre les messages, l'index de recherche et le journal d'audit de votre profil. Cela n'a lieu qu'une fois et peut prendre quelques minutes. Si l'ordinateur s'arrête, le chiffrement reprendra au prochain démarrage, sans rien perdre.": "First start of this version: Caducée is encrypting the messages, the search index and the audit trail of your profile. This happens once and may take a few minutes. If the computer stops, encryption resumes at the next start without losing anything.",
    "Les données de santé de ce profil sont chiffrées avec une clé protégée par une phrase secrète (aucun trousseau du système n'est disponible sur cet ordinateur). Tapez-la pour ouvrir Caducée.": "The health data of this profile are encrypted with a key protected by a passphrase (no system keyring is available on this computer). Type it to open Caducée.",
    "Tapez la phrase secrète du profil.": "Type the profile's passphrase.",
    "Phrase secrète incorrecte : elle n'ouvre pas la clé de ce profil. Vérifiez la touche Verr. Maj. et réessayez.": "Wrong passphrase: it does not open this profile's key. Check Caps Lock and try again.",
    "Journal des classements…": "Filing journal…",
    "Journal des classements": "Filing journal",
    "Journal des classements illisible : {0}": "Filing journal unreadable: {0}",
    "Poste": "Computer",
    "{0} (par l'entrée {1})": "{0} (by entry {1})",
    "{0} (document {1})": "{0} (document {1})",
    "{0} entrée(s), les plus récentes d'abord — dossier des patients : {1}": "{0} entries, newest first — patients folder: {1}",
    "N°": "No.",
    "Date (UTC)": "Date (UTC)",
    "Compte": "Account",
    "Utilisateur": "User",
    "Action": "Action",
    "Message": "Message",
    "Dossier": "Folder",
    "Destination": "Target",
    "Requête": "Request",
    "Résultat": "Result",
    "Détail": "Detail",
    "Journal intact : {0} entrée(s).": "Trail intact: {0} entr(y/ies).",
    "Journal NON intègre : {0}.": "Trail NOT intact: {0}.",
    "Exporter en CSV…": "Export as CSV…",
    "Exporter le journal d'audit": "Export the audit trail",
    # Writing to a patient, a patient's mail (issue 15)
    "Patients destinataires": "Patient recipients",
    "Interdire la réponse du patient": "Forbid the patient's reply",
    "Le patient ne pourra pas répondre à ce message (en-tête X-MSS-MES: FIN)": (
        "The patient will not be able to reply to this message (header X-MSS-MES: FIN)"
    ),
    "⚠ {0}": "⚠ {0}",
    "patient absent du registre (réponse à son message)": (
        "patient not in the registry (reply to their message)"
    ),
    "Patient destinataire : {0} — INS {1} (Mon espace santé)": (
        "Patient recipient: {0} — INS {1} (Mon espace santé)"
    ),
    "Patients…": "Patients…",
    "Message d'un patient (Mon espace santé) — {0}\n{1}": (
        "Message from a patient (Mon espace santé) — {0}\n{1}"
    ),
    "Patients": "Patients",
    "Rechercher un patient (nom, prénom, INS)": "Find a patient (name, first name, INS)",
    "Rechercher un patient": "Find a patient",
    "Naissance": "Born",
    "Liste des patients": "Patient list",
    "Écrire au patient": "Write to the patient",
    "Un message sur Mon espace santé, à l'adresse faite de son INS qualifié": (
        "A message on Mon espace santé, to the address made of their qualified INS"
    ),
    "Identité qualifiée…": "Mark the identity as qualified…",
    "Adresser des documents…": "Send documents…",
    "qualifiée": "qualified",
    "non qualifiée": "not qualified",
    "sans INS": "no INS",
    "Identité non qualifiée…": "Mark the identity as not qualified…",
    "Aucun patient choisi.": "No patient chosen.",
    "Écrire au patient impossible : {0}": "Cannot write to the patient: {0}",
    "Mon espace santé : {0}": "Mon espace santé: {0}",
    "rien de déductible": "nothing can be deduced",
    "Confirmez-vous que l'identité de ce patient est qualifiée (INS vérifié par le "
    "téléservice INSi et une pièce d'identité) ?\n\n{0}\nINS : {1}\nD'après le "
    "matricule : {2}": (
        "Do you confirm that this patient's identity is qualified (INS checked with the "
        "INSi service and an identity document)?\n\n{0}\nINS: {1}\nFrom the number: {2}"
    ),
    "L'identité de {0} ne sera plus considérée comme qualifiée : vous ne pourrez plus lui "
    "écrire sur Mon espace santé. Continuer ?": (
        "The identity of {0} will no longer be taken as qualified: you will not be able to "
        "write to them on Mon espace santé. Continue?"
    ),
    "Identité du patient": "Patient identity",
    "Message d'un patient": "Message from a patient",
    "identité du registre des patients": "identity from the patient registry",
    "nom donné par le message, non vérifié : cet INS n'est pas dans votre registre des "
    "patients": "name given by the message, not checked: this INS is not in your patient registry",
    "Message d'un patient (Mon espace santé)": "Message from a patient (Mon espace santé)",
    "INS :": "INS:",
    # Adresser des documents (issue 15)
    "Adresser…": "Send on…",
    "Adresser les documents classés à un confrère": "Send the filed documents to a colleague",
    "Adresser des documents": "Send documents",
    "Documents à adresser": "Documents to send",
    "Ajouter un PDF…": "Add a PDF…",
    "Courrier tapé": "Typed letter",
    "Courrier (facultatif) : tapé ici, il est envoyé comme un document PDF/A.": (
        "Letter (optional): typed here, it is sent as a PDF/A document."
    ),
    "Type de document": "Document type",
    "Titre": "Title",
    "Titre (par défaut : le type)": "Title (default: the type)",
    "Date de l'acte": "Date of the act",
    "Chercher un confrère": "Find a colleague",
    "Chercher un confrère dans l'annuaire (nom, ville…)": (
        "Find a colleague in the directory (name, city…)"
    ),
    "Confrères trouvés": "Colleagues found",
    "Texte du message (facultatif)": "Message text (optional)",
    "Patient :": "Patient:",
    "Documents :": "Documents:",
    "Courrier :": "Letter:",
    "Date de l'acte :": "Date of the act:",
    "Type :": "Type:",
    "Titre :": "Title:",
    "Annuaire :": "Directory:",
    "Message :": "Message:",
    " — INS de test": " — test INS",
    " — sans INS": " — no INS",
    "INS {0}": "INS {0}",
    "Sans INS : le document partirait sans identifiant du patient.": (
        "No INS: the document would leave without the patient's identifier."
    ),
    "Choisir des documents PDF": "Choose PDF documents",
    "Documents PDF (*.pdf)": "PDF documents (*.pdf)",
    "Annuaire indisponible.": "Directory unavailable.",
    "Aucun confrère trouvé.": "No colleague found.",
    "Patient sans INS": "Patient without INS",
    "{0} n'a pas d'INS dans le registre. Le document partira sans identifiant national du "
    "patient (X-MSS-INS: N) : le logiciel du destinataire ne pourra pas le rattacher "
    "sûrement.\n\nEnvoyer quand même ?": (
        "{0} has no INS in the registry. The document will leave without the patient's "
        "national identifier (X-MSS-INS: N): the recipient's software will not be able to "
        "attach it safely.\n\nSend anyway?"
    ),
    "L'INS de ce patient est un INS de test : il ne désigne pas un vrai patient et ne peut "
    "pas être envoyé.": (
        "This patient's INS is a test INS: it names no real patient and cannot be sent."
    ),
    "INS de test": "Test INS",
    "L'INS de ce patient est un INS de test (démonstration). L'envoyer tel quel, pour la "
    "démonstration ?": "This patient's INS is a test INS (demonstration). Send it as it is?",
    "Des documents de santé ne s'envoient qu'en MSSanté. Envoyer quand même ?": (
        "Health documents are sent only within MSSanté. Send anyway?"
    ),
    "Choisissez un compte qui a un serveur d'envoi (SMTP).": (
        "Choose an account that has an outgoing (SMTP) server."
    ),
    "Choisissez le patient.": "Choose the patient.",
    "Choisissez le type de document.": "Choose the document type.",
    "Cochez au moins un document, ajoutez un PDF ou tapez un courrier.": (
        "Tick at least one document, add a PDF or type a letter."
    ),
    "Indiquez le confrère destinataire (À :).": "Give the colleague to send to (To:).",
    "Préparation des documents (PDF/A)…": "Preparing the documents (PDF/A)…",
    "Envoi impossible : {0}": "Cannot send: {0}",
    "Envoi impossible.": "Cannot send.",
    "Suivi de l'envoi": "Delivery tracking",
    "Suivi des envois": "Sent mail tracking",
    "Suivi des envois…": "Sent mail tracking…",
    "&Envois": "&Sending",
    "Afficher": "Show",
    "Afficher :": "Show:",
    "Tous les envois": "All sent messages",
    "En attente ou différés": "Waiting or delayed",
    "En échec ou refusés": "Failed or refused",
    "Message et destinataires": "Message and recipients",
    "État": "State",
    "Envoyé le": "Sent on",
    "Messages envoyés et leurs accusés": "Sent messages and their receipts",
    "envoyé, aucun accusé demandé": "sent, no receipt requested",
    "{0} destinataire(s) : {1}": "{0} recipient(s): {1}",
    "Accusés": "Receipts",
    "Les accusés de remise et de lecture arrivent à chaque relève ; ils sont rangés ici plutôt que dans la boîte de réception (filtre « Accusés » pour les voir dans la liste).": "Delivery and read receipts arrive with each mail check; they are shown here rather than in the inbox (use the “Receipts” filter to see them in the list).",
    # issue 17 item 1: the outbox, the failure notice and drafts in the window
    "Enregistrer le brouillon": "Save draft",
    "Rédaction (brouillon enregistré)": "New message (draft saved)",
    "Enregistrer le brouillon ?": "Save the draft?",
    "Ce message n'est pas envoyé. L'enregistrer dans les brouillons pour le reprendre plus tard ?": "This message is not sent. Save it in the drafts to finish it later?",
    "Reprendre": "Resume",
    "Brouillons — {0}": "Drafts — {0}",
    "Modifié le": "Changed on",
    "Où": "Where",
    "ici et sur le serveur": "here and on the server",
    "ici (copie au serveur à la prochaine relève)": "here (copied to the server at the next sync)",
    "ici": "here",
    "(aucun destinataire)": "(no recipient)",
    "Copiés aussi dans le dossier « {0} » du serveur.": "Also copied to the server's “{0}” folder.",
    "Ce compte n'a pas de dossier Brouillons sur le serveur : ils restent sur ce poste.": "This account has no Drafts folder on the server: they stay on this computer.",
    "Boîte d'envoi": "Outbox",
    "Boîte d'envoi, {0} message(s) non envoyé(s), {1} en échec ou incertain(s)": "Outbox, {0} unsent message(s), {1} failed or uncertain",
    "Tentatives": "Attempts",
    "Créé le": "Created on",
    "Motif": "Reason",
    "en attente": "waiting",
    "envoi en cours": "sending",
    "envoyé": "sent",
    "échec": "failed",
    "incertain": "uncertain",
    "Connexion perdue juste après l'envoi : peut-être déjà remis": "Connection lost just after sending: perhaps already delivered",
    "Nouvel essai après {0} — {1}": "Next attempt after {0} — {1}",
    "Envoyé le {0}": "Sent on {0}",
    "Modifier": "Edit",
    "Boîte d'envoi — {0}": "Outbox — {0}",
    "Choisissez un message pour voir son état.": "Choose a message to see its state.",
    "La boîte d'envoi est vide : tout est parti.": "The outbox is empty: everything has left.",
    "État : {0} — {1} tentative(s)": "State: {0} — {1} attempt(s)",
    "À : {0}": "To: {0}",
    "Réponse du serveur : {0}": "Server's reply: {0}",
    "Le message reste ici tant que vous ne l'avez pas renvoyé, modifié ou supprimé.": "The message stays here until you send it again, edit it or delete it.",
    "La connexion a été perdue juste après l'envoi complet du message, avant la réponse du serveur : le destinataire l'a peut-être déjà reçu. Caducée ne le renvoie pas sans votre accord (« Réessayer » vous le demandera).": "The connection was lost just after the whole message went out, before the server's reply: the recipient may already have it. Caducée does not send it again without your consent (“Retry” will ask you).",
    "Aucune vérification n'a encore pu être faite sur le serveur.": "No check could be made on the server yet.",
    "Dernier essai : {0}": "Last attempt: {0}",
    "Prochain essai automatique : {0}": "Next automatic attempt: {0}",
    "Il part à la prochaine relève.": "It leaves at the next sync.",
    "Envoyé le {0}.": "Sent on {0}.",
    "Envoi en échec": "Failed send",
    "Voir la boîte d'envoi": "Show the outbox",
    "Masquer l'alerte": "Hide the alert",
    "Le message reste dans la boîte d'envoi ; l'alerte revient s'il échoue encore": "The message stays in the outbox; the alert comes back if it fails again",
    "Envoi incertain : « {0} » à {1} a peut-être été remis.": "Uncertain send: “{0}” to {1} may have been delivered.",
    "Vérifiez dans la boîte d'envoi avant de le renvoyer.": "Check in the outbox before sending it again.",
    "Message non envoyé : « {0} » à {1}.": "Message not sent: “{0}” to {1}.",
    " Et {0} autre(s) envoi(s) à vérifier.": " And {0} other send(s) to check.",
    "Un envoi est incertain : voir la boîte d'envoi.": "A send is uncertain: see the outbox.",
    "Un message n'a pas pu être envoyé : voir la boîte d'envoi.": "A message could not be sent: see the outbox.",
    "Ce message ne peut plus être renvoyé (déjà parti, ou en cours).": "This message can no longer be sent again (already gone, or being sent).",
    "Message remis en attente : il part maintenant.": "Message queued again: it leaves now.",
    "Vérification sur le serveur : ce message est-il déjà arrivé ?": "Checking on the server: has this message already arrived?",
    "Déjà remis": "Already delivered",
    "Ce message est bien arrivé ; il n'est pas renvoyé.": "This message did arrive; it is not sent again.",
    "Vérification sur le serveur impossible : {0}": "Checking on the server failed: {0}",
    "La connexion a été perdue juste après l'envoi complet de ce message : il a peut-être déjà été remis. Le renvoyer peut le faire arriver en double.": "The connection was lost just after this whole message went out: it may already have been delivered. Sending it again may deliver it twice.",
    "Renvoyer un message peut-être déjà remis ?": "Send again a message that may already be delivered?",
    "Renvoyer quand même": "Send again anyway",
    "Ne pas renvoyer": "Do not send again",
    "Message non renvoyé.": "Message not sent again.",
    "Ce message ne peut plus être renvoyé.": "This message can no longer be sent again.",
    "Modifier un message peut-être déjà remis ?": "Edit a message that may already be delivered?",
    "Ce message a peut-être déjà été remis. Le modifier puis l'envoyer peut le faire arriver deux fois (l'ancienne et la nouvelle version).": "This message may already have been delivered. Editing and sending it may deliver it twice (the old and the new version).",
    "Modifier quand même": "Edit anyway",
    "Supprimer ce message ?": "Delete this message?",
    "« {0} » à {1} ne sera pas envoyé et sera retiré de la boîte d'envoi.": "“{0}” to {1} will not be sent and will be removed from the outbox.",
    "Ce message est en cours d'envoi : il ne peut pas être supprimé.": "This message is being sent: it cannot be deleted.",
    "Supprimer ce brouillon ?": "Delete this draft?",
    "Le brouillon sera supprimé, ici et sur le serveur.": "The draft will be deleted, here and on the server.",
    "{0} message(s) dans la boîte d'envoi": "{0} message(s) in the outbox",
    "{0} brouillon(s)": "{0} draft(s)",
    # issue 18: documents in the reader, the Résultats view, the list's Patient column
    "Aucun résultat d'analyse classé pour ce patient.": "No lab result filed for this patient.",
    "Ce document n'a rien d'affichable ici.": "This document has nothing that can be shown here.",
    "Ce message n'est classé pour aucun patient du registre : classez-le d'abord, ses résultats rejoindront ceux du patient.": "This message is not filed for any patient in the register: file it first, its results will join the patient's.",
    "Les documents de ce message n'ont pas pu être affichés.": "The documents of this message could not be shown.",
    "Les résultats d'analyses classés pour ce patient": "The lab results filed for this patient",
    "Les résultats de ce patient n'ont pas pu être lus.": "This patient's results could not be read.",
    "Pas d'INS : identité lue du document ou de l'objet": "No INS: identity read from the document or the subject",
    "Évolution de l'analyse choisie": "Trend of the chosen analysis",
    "/ {0}": "/ {0}",
    "Accusé": "Receipt",
    "Afficher seulement ce patient : {0}": "Show only this patient: {0}",
    "Afficher tous les patients": "Show all patients",
    "Agrandir": "Zoom in",
    "Ajuster à la largeur": "Fit to width",
    "Analyse": "Analysis",
    "Auteur :": "Author:",
    "Organisation :": "Organisation:",
    "Chargement des résultats…": "Loading the results…",
    "Classé dans le dossier du patient": "Filed in the patient's folder",
    "Document structuré": "Structured document",
    "En-tête du document": "Document header",
    "INS absent": "No INS",
    "INS lue, non qualifiée (INS de test ou clé fausse)": "INS read, not qualified (test INS or wrong key)",
    "INS non qualifié (test ou clé)": "INS not qualified (test or key)",
    "INS qualifié": "Qualified INS",
    "INS qualifiée": "Qualified INS",
    "Imagerie": "Imaging",
    "Imprimer le PDF": "Print the PDF",
    "Imprimer le document": "Print the document",
    "Imprimer…": "Print…",
    "Introuvable": "Not found",
    "Les documents de ce message sont trop longs à afficher : ouvrez-les depuis les pièces jointes.": "The documents of this message take too long to show: open them from the attachments.",
    "Lettre de liaison": "Discharge letter",
    "Occurrence précédente": "Previous match",
    "Occurrence suivante": "Next match",
    "PDF": "PDF",
    "Page précédente": "Previous page",
    "Page suivante": "Next page",
    "Page": "Page",
    "Patient (filtré)": "Patient (filtered)",
    "Patient non indiqué par le document": "Patient not given by the document",
    "Pleine largeur": "Full width",
    "Rechercher dans le PDF": "Find in the PDF",
    "Réduire": "Zoom out",
    "Référence : {0}": "Reference: {0}",
    "Référence": "Reference",
    "Résultats du patient": "Patient's results",
    "Résultats du patient…": "Patient's results…",
    "Résultats par analyse et par date": "Results by analysis and date",
    "Résultats…": "Results…",
    "Unité": "Unit",
    "Valeur anormale": "Abnormal value",
    "Valeur basse": "Low value",
    "Valeur critique": "Critical value",
    "Valeur haute": "High value",
    "Valeur": "Value",
    "Vue structurée": "Structured view",
    "nom utilisé : {0}": "used name: {0}",
    "né(e) le {0}": "born {0}",
    "pas de valeur chiffrée": "no numeric value",
    "sans date": "no date",
    "{0} / {1}": "{0} / {1}",
    "{0} analyse(s) sur {1} date(s)": "{0} analysis(es) over {1} date(s)",
    "{0} anormal(aux)": "{0} abnormal",
    "{0} résultat(s) anormal(aux)": "{0} abnormal result(s)",
    "Évolution": "Trend",
    "sans OID : non vérifiable comme INS": "no OID: cannot be checked as an INS",
    "JJ/MM/AAAA": "DD/MM/YYYY",
    "Date (JJ/MM/AAAA)": "Date (DD/MM/YYYY)",
    "Calendrier…": "Calendar…",
    "Choisir la date dans un calendrier": "Pick the date in a calendar",
    "Date invalide : tapez JJ/MM/AAAA (par exemple 02/02/2021).": "Invalid date: type DD/MM/YYYY (for example 02/02/2021).",
    "Identité lue dans : {0}": "Identity read from: {0}",
    "Le document n'indique pas l'identité du patient.": "The document does not give the patient's identity.",
    "certain": "certain",
    "probable": "probable",
    "à vérifier": "to check",
    "Prénom": "First name",
    "absent": "missing",
    "absente": "missing",
    "non renseignée (patient)": "not recorded (patient)",
    "même matricule, sans OID": "same number, no OID",
    "même matricule, autre OID": "same number, other OID",
    "clé invalide": "invalid key",
    "certaine": "certain",
    "<b>Identité {0}</b> — {1}.": "<b>Identity {0}</b> — {1}.",
    "Comparez avant de classer.": "Compare before filing.",
    "Patient lu dans le document": "Patient read in the document",
    "Certaine": "Certain",
    "À vérifier": "To check",
    "Prérempli avec l'identité lue dans : {0}. Vérifiez chaque champ.": "Filled in with the identity read from: {0}. Check each field.",
    "Le document n'indique pas l'identité du patient : saisissez-la.": "The document does not give the patient's identity: type it in.",
    "15 caractères (matricule INS)": "15 characters (INS number)",
    "— à préciser —": "— to specify —",
    "NIR (1.2.250.1.213.1.4.8)": "NIR (1.2.250.1.213.1.4.8)",
    "NIA, provisoire (1.2.250.1.213.1.4.9)": "NIA, temporary (1.2.250.1.213.1.4.9)",
    "INS de test (1.2.250.1.213.1.4.10)": "Test INS (1.2.250.1.213.1.4.10)",
    "INS de démonstration (1.2.250.1.213.1.4.11)": "Demo INS (1.2.250.1.213.1.4.11)",
    "OID de l'INS :": "INS OID:",
    "Le nom de naissance et le prénom sont obligatoires.": "Birth name and first name are required.",
    "INS : 15 caractères attendus ({0} saisis).": "INS: 15 characters expected ({0} typed).",
    "INS : 13 chiffres (2A ou 2B pour la Corse) suivis de la clé à 2 chiffres.": "INS: 13 digits (2A or 2B for Corsica) followed by the 2-digit key.",
    "INS : la clé de contrôle ne correspond pas au numéro : vérifiez la saisie.": "INS: the check key does not match the number: check what you typed.",
    "INS : précisez de quel identifiant il s'agit (OID).": "INS: say which identifier it is (OID).",
    "Classé le {0} dans le dossier de {1}": "Filed on {0} in the folder of {1}",
    "ouvrir": "open",
    "Impossible d'ouvrir le dossier du patient : {0}": "Cannot open the patient's folder: {0}",
    "À propos de Caducée": "About Caducée",
    "Version {0}": "Version {0}",
    "Messagerie sécurisée de santé (MSSanté) pour les professionnels de santé.": "Secure health messaging (MSSanté) for health professionals.",
    "Édition de l'opérateur {0}.": "{0} operator edition.",
    "Support : {0}": "Support: {0}",
    "Composants inclus et leurs licences (double-cliquez sur une ligne pour lire le texte de la licence) :": "Bundled components and their licences (double-click a row to read the licence text):",
    "Composant": "Component",
    "Version": "Version",
    "Licence": "Licence",
    "La liste des composants inclus n'est pas disponible.": "The list of bundled components is not available.",
    "Licence de {0} {1}": "Licence of {0} {1}",
    "Licence : {0}. Aucun texte de licence n'est installé avec ce composant.": "Licence: {0}. No licence text is installed with this component.",
    "Carte CPS": "CPS card",
    "Certificat logiciel (.p12)": "Certificate file (.p12)",
    "Mot de passe": "Password",
    "Pro Santé Connect": "Pro Santé Connect",
    "Paramètres des comptes": "Account settings",
    "aucun (réception seulement)": "none (receiving only)",
    "Signature": "Signature",
    "Dr Prénom NOM\nSpécialité — adresse du cabinet\nTéléphone": "Dr First name LAST NAME\nSpecialty — practice address\nTelephone",
    "L'adresse et le mode de connexion ne se modifient pas : retirez le compte puis ajoutez-le à nouveau.": "The address and the sign-in method cannot be changed: remove the account, then add it again.",
    "Compte :": "Account:",
    "Connexion :": "Sign-in:",
    "Serveur IMAP :": "IMAP server:",
    "Serveur d'envoi (SMTP) :": "Outgoing server (SMTP):",
    "Signature :": "Signature:",
    "Retirer ce compte…": "Remove this account…",
    "aucun compte": "no account",
    "Paramètres du compte": "Account settings",
    "Retirer le compte": "Remove the account",
    "Une relève est en cours : réessayez quand elle sera finie.": "Mail is being fetched: try again when it has finished.",
    "Retirer le compte {0} de Caducée ?": "Remove the account {0} from Caducée?",
    "Sa copie locale des messages est effacée de cet ordinateur. Les messages restent sur le serveur de votre opérateur : en ajoutant le compte à nouveau, vous les retrouverez.": "Its local copy of the messages is erased from this computer. The messages stay on your operator's server: add the account again to find them.",
    "Attention : {0} message(s) de la boîte d'envoi non encore envoyé(s) et {1} brouillon(s) de ce compte seront perdus.": "Warning: {0} unsent message(s) of the outbox and {1} draft(s) of this account will be lost.",
    "Retirer": "Remove",
    "Retirer les pièces jointes choisies (Suppr)": "Remove the chosen attachments (Del)",
    "{0} — {1} (transféré)": "{0} — {1} (forwarded)",
    "Choisir le fichier du module PKCS#11 de la carte": "Choose the card's PKCS#11 module file",
    "Utiliser un certificat logiciel (.p12)": "Use a certificate file (.p12)",
    "Se connecter avec Pro Santé Connect": "Sign in with Pro Santé Connect",
    "Le logiciel de la carte CPS (Cryptolib CPS) est introuvable ou inutilisable sur cet ordinateur.": "The CPS card software (Cryptolib CPS) is missing or unusable on this computer.",
    "Si le module est installé ailleurs, choisissez-le avec « Parcourir… ».": "If the module is installed elsewhere, choose it with “Browse…”.",
    "Module PKCS#11 de la carte CPS": "PKCS#11 module of the CPS card",
    "(brouillon enregistré)": "(draft saved)",
    "Boîte de réception": "Inbox",
    "Envoyés": "Sent",
    "Brouillons (serveur)": "Drafts (server)",
    "Corbeille": "Trash",
    "Indésirables": "Junk",
    "Archives": "Archives",
    "Aide de Caducée": "Caducée help",
    "DÉMO": "DEMO",
    "carte de démonstration": "demo card",
    "Pro Santé Connect de démonstration": "demo Pro Santé Connect",
    "{0} — édition {1}": "{0} — {1} edition",
    "Préférences": "Preferences",
    " min": " min",
    "jamais": "never",
    "Avec un compte MSSanté, la session se verrouille après 120 minutes au plus ; le déverrouillage demande le code de la carte.": "With an MSSanté account, the session locks after 120 minutes at most; unlocking asks for the card's PIN.",
    "0 : jamais. Le déverrouillage demande le code de la carte.": "0: never. Unlocking asks for the card's PIN.",
    "Mettre à jour l'annuaire et la liste blanche chaque jour": "Update the directory and the liste blanche every day",
    "Mettre à jour maintenant": "Update now",
    "Langue du système": "System language",
    "La langue change au prochain démarrage de Caducée.": "The language changes the next time Caducée starts.",
    "Signaler les nouveaux messages (sans expéditeur ni objet)": "Notify new messages (without sender or subject)",
    "Demander un accusé de remise": "Ask for a delivery receipt",
    "Demander un accusé de lecture": "Ask for a read receipt",
    "Sécurité": "Security",
    "Verrouiller après :": "Lock after:",
    "Classement": "Filing",
    "Dossier des patients :": "Patients folder:",
    "Annuaire": "Directory",
    "Affichage": "Display",
    "Langue :": "Language:",
    "Nouveaux messages": "New messages",
    "Les préférences n'ont pas pu être enregistrées : {0}": "The preferences could not be saved: {0}",
    "Préférences…": "Preferences…",
    "Paramètres des comptes…": "Account settings…",
    "&Aide": "&Help",
    "Préférences enregistrées.": "Preferences saved.",
    "Compte {0} retiré, avec sa copie locale.": "Account {0} removed, with its local copy.",
    "Mise à jour de l'annuaire…": "Updating the directory…",
    "Annuaire et liste blanche à jour.": "Directory and liste blanche up to date.",
    "La mise à jour de l'annuaire a échoué.": "The directory update failed.",
    "{0} octets": "{0} bytes",
    "{0} Ko": "{0} KB",
    "{0} Mo": "{0} MB",
    "{0} Go": "{0} GB",
    "La pièce jointe n'a pas pu être enregistrée : {0}": "The attachment could not be saved: {0}",
    # menus, right-click menus, printing, sync feedback, search (issue 20: i20-menus)
    "&Affichage": "&View",
    "&Message": "&Message",
    "&Outils": "&Tools",
    "A&ller": "&Go",
    "Aid&e": "&Help",
    "É&dition": "&Edit",
    "Nouveau": "New",
    "Barre d'état": "Status bar",
    "Colonnes": "Columns",
    "Trier par": "Sort by",
    "Filtres": "Filters",
    "Croissant": "Ascending",
    "Décroissant": "Descending",
    "Fils de discussion": "Threads",
    "Développer tous les fils": "Expand all threads",
    "Réduire tous les fils": "Collapse all threads",
    "({0}, {1} non lu(s))": "({0}, {1} unread)",
    "({0})": "({0})",
    "réponse, niveau {0}": "reply, level {0}",
    "réduit": "collapsed",
    "développé": "expanded",
    "fil de {0} messages, {1}": "thread of {0} messages, {1}",
    "Indicateurs (non lu, suivi, classé)": "Marks (unread, flagged, filed)",
    "Marquer comme lu / non lu": "Mark as read / unread",
    "Suivre / ne plus suivre": "Flag / unflag",
    "Message non lu suivant": "Next unread message",
    "Message suivant": "Next message",
    "Message précédent": "Previous message",
    "Classer les documents…": "File documents to patient…",
    "Imprimer": "Print",
    "Aperçu avant impression": "Print preview",
    "Aperçu avant impression…": "Print preview…",
    "Imprimer en PDF": "Print to PDF",
    "Imprimer en PDF…": "Print to PDF…",
    "message.pdf": "message.pdf",
    "Choisissez d'abord un message.": "Choose a message first.",
    "Impression impossible": "Cannot print",
    "L'impression n'a pas pu se faire. Vérifiez l'imprimante (ou, pour un PDF, que le dossier choisi accepte l'écriture), puis réessayez.": "Printing failed. Check the printer (or, for a PDF, that the chosen folder can be written to), then try again.",
    "Écrire à {0}": "Write to {0}",
    "Copier l'adresse": "Copy the address",
    "Chercher dans le carnet d'adresses": "Look up in the address book",
    "De : {0}": "From: {0}",
    "Expéditeur : {0}": "Sender: {0}",
    "Tout développer": "Expand all",
    "Tout réduire": "Collapse all",
    "Raccourcis clavier": "Keyboard shortcuts",
    "Raccourcis clavier…": "Keyboard shortcuts…",
    "Commande": "Command",
    "Raccourci": "Shortcut",
    "dossier {0}/{1}": "folder {0}/{1}",
    "en-têtes {0}/{1}": "headers {0}/{1}",
    "messages {0}/{1}": "messages {0}/{1}",
    "envoi": "sending",
    "synchronisation : {0}": "syncing: {0}",
    "Compte {0}, {1}": "Account {0}, {1}",
    "Aucun résultat pour « {0} »": "No results for “{0}”",
    "Effacer la recherche": "Clear the search",
    "Aucun message ne correspond aux filtres choisis.": "No message matches the chosen filters.",
    "Retirer les filtres": "Remove the filters",
    "Aucun message dans ce dossier.": "No message in this folder.",
    # Folders in the window (issue 20, item 3: app/ui/folder_actions.py)
    "Nouveau dossier…": "New folder…",
    "Renommer le dossier…": "Rename folder…",
    "Déplacer le dossier…": "Move folder…",
    "Supprimer le dossier…": "Delete folder…",
    "Marquer le dossier comme lu": "Mark folder as read",
    "Archiver": "Archive",
    "Ranger les messages choisis dans Archives/année (A)": "Move the chosen messages to Archives/year (A)",
    "Nouveau sous-dossier…": "New subfolder…",
    "Nom du sous-dossier de « {0} » :": "Name of the subfolder of “{0}”:",
    "Nom du dossier :": "Folder name:",
    "Nouveau dossier": "New folder",
    "Renommer le dossier": "Rename folder",
    "Nouveau nom :": "New name:",
    "(premier niveau du compte)": "(top level of the account)",
    "Déplacer le dossier": "Move folder",
    "Mettre « {0} » dans :": "Put “{0}” in:",
    "Supprimer le dossier ?": "Delete the folder?",
    "Supprimer le dossier « {0} » et ses {1} message(s) ? Ils seront aussi supprimés sur le serveur, sans passer par la corbeille.": "Delete the folder “{0}” and its {1} message(s)? They will be deleted on the server too, without going to the trash.",
    "{0} message(s) marqué(s) comme lu(s).": "{0} message(s) marked as read.",
    "{0} message(s) archivé(s) dans « {1} ».": "{0} message(s) archived in “{1}”.",
    "{0} message(s) copié(s) dans « {1} ».": "{0} message(s) copied to “{1}”.",
    "{0} message(s) déplacé(s) dans « {1} ».": "{0} message(s) moved to “{1}”.",
    "Le serveur a refusé {0} changement(s) d'indicateurs (lu, suivi…).": "The server refused {0} flag change(s) (read, starred…).",
    "Marquage comme lu…": "Marking as read…",
    "Nom du dossier": "Folder name",
    "Créer dans": "Create in",
    "Créer dans :": "Create in:",
    "Archivage de {0} message(s)…": "Archiving {0} message(s)…",
    "Copie de {0} message(s)…": "Copying {0} message(s)…",
    "Déplacement de {0} message(s)…": "Moving {0} message(s)…",
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
