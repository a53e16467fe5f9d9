<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US" sourcelanguage="fr_FR">
<context>
    <name>Composer</name>
    <message>
        <source>Rédaction</source>
        <translation>Write</translation>
    </message>
    <message>
        <source>Expéditeur</source>
        <translation>Sender</translation>
    </message>
    <message>
        <source>Destinataires</source>
        <translation>Recipients</translation>
    </message>
    <message>
        <source>Copie</source>
        <translation>Cc</translation>
    </message>
    <message>
        <source>Copie cachée</source>
        <translation>Bcc</translation>
    </message>
    <message>
        <source>Objet</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Texte du message</source>
        <translation>Message text</translation>
    </message>
    <message>
        <source>Pièces jointes</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <source>Accusé de remise</source>
        <translation>Delivery receipt</translation>
    </message>
    <message>
        <source>Accusé de lecture</source>
        <translation>Read receipt</translation>
    </message>
    <message>
        <source>De :</source>
        <translation>From:</translation>
    </message>
    <message>
        <source>À :</source>
        <translation>To:</translation>
    </message>
    <message>
        <source>Copie :</source>
        <translation>Cc:</translation>
    </message>
    <message>
        <source>Copie cachée :</source>
        <translation>Bcc:</translation>
    </message>
    <message>
        <source>Objet :</source>
        <translation>Subject:</translation>
    </message>
    <message>
        <source>Joindre…</source>
        <translation>Attach…</translation>
    </message>
    <message>
        <source>Envoyer</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>Abandonner</source>
        <translation>Discard</translation>
    </message>
    <message>
        <source>Pièces jointes :</source>
        <translation>Attachments:</translation>
    </message>
    <message>
        <source>Joindre des fichiers</source>
        <translation>Attach files</translation>
    </message>
    <message>
        <source>Envoi impossible</source>
        <translation>Cannot send</translation>
    </message>
    <message>
        <source>Ce compte n'a pas de serveur d'envoi (SMTP).</source>
        <translation>This account has no outgoing (SMTP) server.</translation>
    </message>
    <message>
        <source>Sans objet</source>
        <translation>No subject</translation>
    </message>
    <message>
        <source>Envoyer ce message sans objet ?</source>
        <translation>Send this message without a subject?</translation>
    </message>
</context>
<context>
    <name>ErrorBar</name>
    <message>
        <source>Message d'erreur</source>
        <translation>Error message</translation>
    </message>
    <message>
        <source>Réessayer</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Détails</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>FolderTreeModel</name>
    <message>
        <source>Dossiers</source>
        <translation>Folders</translation>
    </message>
    <message>
        <source>Compte {0}</source>
        <translation>Account {0}</translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <source>Session verrouillée</source>
        <translation>Session locked</translation>
    </message>
    <message>
        <source>Vos messages sont masqués. Déverrouillez avec votre carte CPS et son code.</source>
        <translation>Your messages are hidden. Unlock with your CPS card and its PIN.</translation>
    </message>
    <message>
        <source>Déverrouiller</source>
        <translation>Unlock</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Dossiers</source>
        <translation>Folders</translation>
    </message>
    <message>
        <source>Liste des messages</source>
        <translation>Message list</translation>
    </message>
    <message>
        <source>État de la carte CPS</source>
        <translation>CPS card state</translation>
    </message>
    <message>
        <source>Verrouiller</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>Brouillons ({0})</source>
        <translation>Drafts ({0})</translation>
    </message>
    <message>
        <source>Barre d'outils</source>
        <translation>Toolbar</translation>
    </message>
    <message>
        <source>Relever</source>
        <translation>Get mail</translation>
    </message>
    <message>
        <source>Relever le courrier (F5)</source>
        <translation>Get new mail (F5)</translation>
    </message>
    <message>
        <source>Écrire</source>
        <translation>Write</translation>
    </message>
    <message>
        <source>Répondre</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>Répondre à tous</source>
        <translation>Reply all</translation>
    </message>
    <message>
        <source>Transférer</source>
        <translation>Forward</translation>
    </message>
    <message>
        <source>Brouillons</source>
        <translation>Drafts</translation>
    </message>
    <message>
        <source>Reprendre les messages non envoyés</source>
        <translation>Resume the unsent messages</translation>
    </message>
    <message>
        <source>Non lus</source>
        <translation>Unread</translation>
    </message>
    <message>
        <source>Suivis</source>
        <translation>Flagged</translation>
    </message>
    <message>
        <source>Avec pièces jointes</source>
        <translation>With attachments</translation>
    </message>
    <message>
        <source>Rechercher (objet, adresses, texte, pièces…)</source>
        <translation>Search (subject, addresses, text, files…)</translation>
    </message>
    <message>
        <source>Recherche</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Rechercher</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>{0} résultat(s)</source>
        <translation>{0} result(s)</translation>
    </message>
    <message>
        <source>{0} message(s)</source>
        <translation>{0} message(s)</translation>
    </message>
    <message>
        <source>Plus de message non lu ici.</source>
        <translation>No more unread messages here.</translation>
    </message>
    <message>
        <source>Supprimer définitivement ?</source>
        <translation>Delete for good?</translation>
    </message>
    <message>
        <source>Le supprimer quand même ?</source>
        <translation>Delete it anyway?</translation>
    </message>
    <message>
        <source>Choisissez d'abord un message téléchargé.</source>
        <translation>Choose a downloaded message first.</translation>
    </message>
    <message>
        <source>Accusé de lecture placé dans la boîte d'envoi.</source>
        <translation>Read receipt placed in the outbox.</translation>
    </message>
    <message>
        <source>Message placé dans la boîte d'envoi.</source>
        <translation>Message placed in the outbox.</translation>
    </message>
    <message>
        <source>synchronisation…</source>
        <translation>syncing…</translation>
    </message>
    <message>
        <source>connecté</source>
        <translation>connected</translation>
    </message>
    <message>
        <source>{0} nouveau(x) message(s)</source>
        <translation>{0} new message(s)</translation>
    </message>
    <message>
        <source>carte retirée</source>
        <translation>card removed</translation>
    </message>
    <message>
        <source>Carte CPS retirée : relève et envoi suspendus. Réinsérez-la, puis « Relever » pour saisir votre code.</source>
        <translation>CPS card removed: getting and sending mail suspended. Insert it again, then “Get mail” to type your PIN.</translation>
    </message>
    <message>
        <source>Carte CPS réinsérée : « Relever » pour saisir votre code.</source>
        <translation>CPS card back: “Get mail” to type your PIN.</translation>
    </message>
    <message>
        <source>carte à vérifier</source>
        <translation>check the card</translation>
    </message>
    <message>
        <source>identifiant refusé</source>
        <translation>login refused</translation>
    </message>
    <message>
        <source>certificat refusé</source>
        <translation>certificate refused</translation>
    </message>
    <message>
        <source>hors ligne</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>erreur</source>
        <translation>error</translation>
    </message>
</context>
<context>
    <name>MessageListModel</name>
    <message>
        <source>Objet</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Expéditeur</source>
        <translation>Sender</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>(sans objet)</source>
        <translation>(no subject)</translation>
    </message>
    <message>
        <source>non lu</source>
        <translation>unread</translation>
    </message>
    <message>
        <source>lu</source>
        <translation>read</translation>
    </message>
</context>
<context>
    <name>PdfDialog</name>
    <message>
        <source>Document PDF</source>
        <translation>PDF document</translation>
    </message>
    <message>
        <source>Ce PDF est illisible ou endommagé.</source>
        <translation>This PDF cannot be read or is damaged.</translation>
    </message>
</context>
<context>
    <name>Reader</name>
    <message>
        <source>En-têtes du message</source>
        <translation>Message headers</translation>
    </message>
    <message>
        <source>Texte du message</source>
        <translation>Message text</translation>
    </message>
    <message>
        <source>Pièces jointes</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <source>Ouvrir</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Enregistrer sous…</source>
        <translation>Save as…</translation>
    </message>
    <message>
        <source>Envoyer l'accusé</source>
        <translation>Send the receipt</translation>
    </message>
    <message>
        <source>Ne pas envoyer</source>
        <translation>Do not send</translation>
    </message>
    <message>
        <source>(sans objet)</source>
        <translation>(no subject)</translation>
    </message>
    <message>
        <source>De :</source>
        <translation>From:</translation>
    </message>
    <message>
        <source>À :</source>
        <translation>To:</translation>
    </message>
    <message>
        <source>Date :</source>
        <translation>Date:</translation>
    </message>
    <message>
        <source>Chargement…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Ce message n'est pas encore téléchargé : il le sera à la prochaine synchronisation.</source>
        <translation>This message is not downloaded yet: it will be at the next sync.</translation>
    </message>
    <message>
        <source>{0} demande un accusé de lecture.</source>
        <translation>{0} asks for a read receipt.</translation>
    </message>
    <message>
        <source>Enregistrer la pièce jointe</source>
        <translation>Save the attachment</translation>
    </message>
</context>
<context>
    <name>SafeBrowser</name>
    <message>
        <source>Ouvrir le lien ?</source>
        <translation>Open the link?</translation>
    </message>
    <message>
        <source>Ce lien mène à :
{0}

L'ouvrir dans le navigateur ?</source>
        <translation>This link leads to:
{0}

Open it in the browser?</translation>
    </message>
</context>
<context>
    <name>window.reader</name>
    <message>
        <source>Chargement…</source>
        <translation>Loading…</translation>
    </message>
</context>
</TS>