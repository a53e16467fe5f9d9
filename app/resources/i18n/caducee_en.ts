<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US" sourcelanguage="fr_FR">
<context>
    <name />
    <message>
        <source>Patient non indiqué par le document</source>
        <translation>Patient not given by the document</translation>
    </message>
    <message>
        <source>nom utilisé : {0}</source>
        <translation>used name: {0}</translation>
    </message>
    <message>
        <source>né(e) le {0}</source>
        <translation>born {0}</translation>
    </message>
    <message>
        <source>INS absent</source>
        <translation>No INS</translation>
    </message>
    <message>
        <source>INS qualifié</source>
        <translation>Qualified INS</translation>
    </message>
    <message>
        <source>sans OID : non vérifiable comme INS</source>
        <translation>no OID: cannot be checked as an INS</translation>
    </message>
    <message>
        <source>INS non qualifié (test ou clé)</source>
        <translation>INS not qualified (test or key)</translation>
    </message>
    <message>
        <source>INS :</source>
        <translation>INS:</translation>
    </message>
    <message>
        <source>Type :</source>
        <translation>Type:</translation>
    </message>
    <message>
        <source>Auteur :</source>
        <translation>Author:</translation>
    </message>
    <message>
        <source>Organisation :</source>
        <translation>Organisation:</translation>
    </message>
    <message>
        <source>Date :</source>
        <translation>Date:</translation>
    </message>
    <message>
        <source>{0} résultat(s) anormal(aux)</source>
        <translation>{0} abnormal result(s)</translation>
    </message>
    <message>
        <source>Valeur haute</source>
        <translation>High value</translation>
    </message>
    <message>
        <source>Valeur basse</source>
        <translation>Low value</translation>
    </message>
    <message>
        <source>Valeur critique</source>
        <translation>Critical value</translation>
    </message>
    <message>
        <source>Valeur anormale</source>
        <translation>Abnormal value</translation>
    </message>
</context>
<context>
    <name>AboutDialog</name>
    <message>
        <source>À propos de Caducée</source>
        <translation>About Caducée</translation>
    </message>
    <message>
        <source>Version {0}</source>
        <translation>Version {0}</translation>
    </message>
    <message>
        <source>Messagerie sécurisée de santé (MSSanté) pour les professionnels de santé.</source>
        <translation>Secure health messaging (MSSanté) for health professionals.</translation>
    </message>
    <message>
        <source>Édition de l'opérateur {0}.</source>
        <translation>{0} operator edition.</translation>
    </message>
    <message>
        <source>Support : {0}</source>
        <translation>Support: {0}</translation>
    </message>
    <message>
        <source>Composants inclus et leurs licences (double-cliquez sur une ligne pour lire le texte de la licence) :</source>
        <translation>Bundled components and their licences (double-click a row to read the licence text):</translation>
    </message>
    <message>
        <source>Composant</source>
        <translation>Component</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>Licence</translation>
    </message>
    <message>
        <source>La liste des composants inclus n'est pas disponible.</source>
        <translation>The list of bundled components is not available.</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Licence de {0} {1}</source>
        <translation>Licence of {0} {1}</translation>
    </message>
    <message>
        <source>Licence : {0}. Aucun texte de licence n'est installé avec ce composant.</source>
        <translation>Licence: {0}. No licence text is installed with this component.</translation>
    </message>
</context>
<context>
    <name>AccountDialog</name>
    <message>
        <source>Carte CPS</source>
        <translation>CPS card</translation>
    </message>
    <message>
        <source>Certificat logiciel (.p12)</source>
        <translation>Certificate file (.p12)</translation>
    </message>
    <message>
        <source>Mot de passe</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Pro Santé Connect</source>
        <translation>Pro Santé Connect</translation>
    </message>
    <message>
        <source>Paramètres des comptes</source>
        <translation>Account settings</translation>
    </message>
    <message>
        <source>Compte</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>aucun (réception seulement)</source>
        <translation>none (receiving only)</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>Signature</translation>
    </message>
    <message>
        <source>Dr Prénom NOM
Spécialité — adresse du cabinet
Téléphone</source>
        <translation>Dr First name LAST NAME
Specialty — practice address
Telephone</translation>
    </message>
    <message>
        <source>L'adresse et le mode de connexion ne se modifient pas : retirez le compte puis ajoutez-le à nouveau.</source>
        <translation>The address and the sign-in method cannot be changed: remove the account, then add it again.</translation>
    </message>
    <message>
        <source>Compte :</source>
        <translation>Account:</translation>
    </message>
    <message>
        <source>Connexion :</source>
        <translation>Sign-in:</translation>
    </message>
    <message>
        <source>Serveur IMAP :</source>
        <translation>IMAP server:</translation>
    </message>
    <message>
        <source>Serveur d'envoi (SMTP) :</source>
        <translation>Outgoing server (SMTP):</translation>
    </message>
    <message>
        <source>Identifiant :</source>
        <translation>Username:</translation>
    </message>
    <message>
        <source>Signature :</source>
        <translation>Signature:</translation>
    </message>
    <message>
        <source>Retirer ce compte…</source>
        <translation>Remove this account…</translation>
    </message>
    <message>
        <source>Enregistrer</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>aucun compte</source>
        <translation>no account</translation>
    </message>
    <message>
        <source>Paramètres du compte</source>
        <translation>Account settings</translation>
    </message>
    <message>
        <source>Retirer le compte</source>
        <translation>Remove the account</translation>
    </message>
    <message>
        <source>Une relève est en cours : réessayez quand elle sera finie.</source>
        <translation>Mail is being fetched: try again when it has finished.</translation>
    </message>
    <message>
        <source>Retirer le compte {0} de Caducée ?</source>
        <translation>Remove the account {0} from Caducée?</translation>
    </message>
    <message>
        <source>Sa copie locale des messages est effacée de cet ordinateur. Les messages restent sur le serveur de votre opérateur : en ajoutant le compte à nouveau, vous les retrouverez.</source>
        <translation>Its local copy of the messages is erased from this computer. The messages stay on your operator's server: add the account again to find them.</translation>
    </message>
    <message>
        <source>Attention : {0} message(s) de la boîte d'envoi non encore envoyé(s) et {1} brouillon(s) de ce compte seront perdus.</source>
        <translation>Warning: {0} unsent message(s) of the outbox and {1} draft(s) of this account will be lost.</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>AccountStates</name>
    <message>
        <source>dossier {0}/{1}</source>
        <translation>folder {0}/{1}</translation>
    </message>
    <message>
        <source>en-têtes {0}/{1}</source>
        <translation>headers {0}/{1}</translation>
    </message>
    <message>
        <source>messages {0}/{1}</source>
        <translation>messages {0}/{1}</translation>
    </message>
    <message>
        <source>envoi</source>
        <translation>sending</translation>
    </message>
    <message>
        <source>synchronisation : {0}</source>
        <translation>syncing: {0}</translation>
    </message>
    <message>
        <source>Compte {0}, {1}</source>
        <translation>Account {0}, {1}</translation>
    </message>
</context>
<context>
    <name>ActionsWindow</name>
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
        <source>Carnet d'adresses</source>
        <translation>Address book</translation>
    </message>
    <message>
        <source>Annuaire MSSanté et favoris (Ctrl+Maj+B)</source>
        <translation>MSSanté directory and favourites (Ctrl+Shift+B)</translation>
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
        <source>À classer</source>
        <translation>To be filed</translation>
    </message>
    <message>
        <source>Les documents reçus à classer dans les dossiers</source>
        <translation>Received documents to file into the records</translation>
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
        <source>Marquer comme lu / non lu</source>
        <translation>Mark as read / unread</translation>
    </message>
    <message>
        <source>Suivre / ne plus suivre</source>
        <translation>Flag / unflag</translation>
    </message>
    <message>
        <source>Message non lu suivant</source>
        <translation>Next unread message</translation>
    </message>
    <message>
        <source>Message suivant</source>
        <translation>Next message</translation>
    </message>
    <message>
        <source>Message précédent</source>
        <translation>Previous message</translation>
    </message>
    <message>
        <source>Boîte de réception</source>
        <translation>Inbox</translation>
    </message>
    <message>
        <source>Boîte d'envoi</source>
        <translation>Outbox</translation>
    </message>
    <message>
        <source>Classer les documents…</source>
        <translation>File documents to patient…</translation>
    </message>
    <message>
        <source>Adresser des documents…</source>
        <translation>Send documents…</translation>
    </message>
    <message>
        <source>Résultats du patient…</source>
        <translation>Patient's results…</translation>
    </message>
    <message>
        <source>Imprimer…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>Aperçu avant impression…</source>
        <translation>Print preview…</translation>
    </message>
    <message>
        <source>Imprimer en PDF…</source>
        <translation>Print to PDF…</translation>
    </message>
    <message>
        <source>Ajouter un compte…</source>
        <translation>Add an account…</translation>
    </message>
    <message>
        <source>Patients…</source>
        <translation>Patients…</translation>
    </message>
    <message>
        <source>Journal d'audit…</source>
        <translation>Audit trail…</translation>
    </message>
    <message>
        <source>Journal des classements…</source>
        <translation>Filing journal…</translation>
    </message>
    <message>
        <source>Verrouiller</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation>Quit</translation>
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
        <source>Accusés</source>
        <translation>Receipts</translation>
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
        <source>Barre d'outils</source>
        <translation>Toolbar</translation>
    </message>
</context>
<context>
    <name>AddressActions</name>
    <message>
        <source>Écrire à {0}</source>
        <translation>Write to {0}</translation>
    </message>
    <message>
        <source>Copier l'adresse</source>
        <translation>Copy the address</translation>
    </message>
    <message>
        <source>Chercher dans le carnet d'adresses</source>
        <translation>Look up in the address book</translation>
    </message>
</context>
<context>
    <name>AddressPage</name>
    <message>
        <source>Votre adresse de messagerie</source>
        <translation>Your mail address</translation>
    </message>
    <message>
        <source>Adresse :</source>
        <translation>Address:</translation>
    </message>
    <message>
        <source>Certificat logiciel</source>
        <translation>Software certificate</translation>
    </message>
    <message>
        <source>Fichier .p12 :</source>
        <translation>.p12 file:</translation>
    </message>
    <message>
        <source>Certificats (*.p12 *.pfx)</source>
        <translation>Certificates (*.p12 *.pfx)</translation>
    </message>
    <message>
        <source>Phrase secrète :</source>
        <translation>Passphrase:</translation>
    </message>
    <message>
        <source>Connexion par mot de passe</source>
        <translation>Password sign-in</translation>
    </message>
    <message>
        <source>par défaut : l'adresse</source>
        <translation>default: the address</translation>
    </message>
    <message>
        <source>Identifiant :</source>
        <translation>Username:</translation>
    </message>
    <message>
        <source>Mot de passe :</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Garder dans le trousseau du système (sinon demandé à chaque démarrage)</source>
        <translation>Keep in the system keyring (otherwise asked at every start)</translation>
    </message>
    <message>
        <source>Le secret est confié au trousseau de Windows ou de votre session, jamais écrit dans un fichier. Le code de la carte CPS n'est jamais gardé.</source>
        <translation>The secret goes to the Windows or session keyring, never to a file. The CPS card PIN is never kept.</translation>
    </message>
    <message>
        <source>L'adresse de cette boîte aux lettres.</source>
        <translation>The address of this mailbox.</translation>
    </message>
    <message>
        <source>Votre adresse de messagerie sécurisée de santé (MSSanté), par exemple prenom.nom@medecin.mssante.fr.</source>
        <translation>Your secure health mail (MSSanté) address, for example firstname.lastname@medecin.mssante.fr.</translation>
    </message>
    <message>
        <source>Recherche de vos adresses dans l'annuaire santé…</source>
        <translation>Looking up your addresses in the health directory…</translation>
    </message>
    <message>
        <source>Adresse(s) trouvée(s) dans l'annuaire santé pour votre RPPS.</source>
        <translation>Address(es) found in the health directory for your RPPS.</translation>
    </message>
    <message>
        <source>L'annuaire santé n'indique pas d'adresse pour votre RPPS : saisissez-la (par exemple prenom.nom@medecin.mssante.fr).</source>
        <translation>The health directory has no address for your RPPS: type it (for example firstname.lastname@medecin.mssante.fr).</translation>
    </message>
</context>
<context>
    <name>AttachmentList</name>
    <message>
        <source>Pièces jointes</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <source>Retirer</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Retirer les pièces jointes choisies (Suppr)</source>
        <translation>Remove the chosen attachments (Del)</translation>
    </message>
    <message>
        <source>{0} — {1} (transféré)</source>
        <translation>{0} — {1} (forwarded)</translation>
    </message>
</context>
<context>
    <name>AuditDialog</name>
    <message>
        <source>Journal d'audit</source>
        <translation>Audit trail</translation>
    </message>
    <message>
        <source>N°</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Date (UTC)</source>
        <translation>Date (UTC)</translation>
    </message>
    <message>
        <source>Compte</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>Utilisateur</source>
        <translation>User</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>Dossier</source>
        <translation>Folder</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>Requête</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>Résultat</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>Détail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <source>Journal intact : {0} entrée(s).</source>
        <translation>Trail intact: {0} entr(y/ies).</translation>
    </message>
    <message>
        <source>Journal NON intègre : {0}.</source>
        <translation>Trail NOT intact: {0}.</translation>
    </message>
    <message>
        <source>Exporter en CSV…</source>
        <translation>Export as CSV…</translation>
    </message>
    <message>
        <source>Exporter le journal d'audit</source>
        <translation>Export the audit trail</translation>
    </message>
</context>
<context>
    <name>BrowsingWindow</name>
    <message>
        <source>Recherche…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <source>Chargement…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>{0} résultat(s)</source>
        <translation>{0} result(s)</translation>
    </message>
    <message>
        <source>{0} message(s)</source>
        <translation>{0} message(s)</translation>
    </message>
</context>
<context>
    <name>CardPage</name>
    <message>
        <source>Votre carte CPS</source>
        <translation>Your CPS card</translation>
    </message>
    <message>
        <source>Le lecteur, la carte, puis votre code.</source>
        <translation>The reader, the card, then your PIN.</translation>
    </message>
    <message>
        <source>La carte indique</source>
        <translation>The card says</translation>
    </message>
    <message>
        <source>Nom :</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Profession :</source>
        <translation>Profession:</translation>
    </message>
    <message>
        <source>RPPS :</source>
        <translation>RPPS:</translation>
    </message>
    <message>
        <source>Essais restants :</source>
        <translation>Tries left:</translation>
    </message>
    <message>
        <source>Code de la carte :</source>
        <translation>Card PIN:</translation>
    </message>
    <message>
        <source>Valider le code</source>
        <translation>Check the PIN</translation>
    </message>
    <message>
        <source>Rechercher à nouveau</source>
        <translation>Look again</translation>
    </message>
    <message>
        <source>Parcourir…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>Choisir le fichier du module PKCS#11 de la carte</source>
        <translation>Choose the card's PKCS#11 module file</translation>
    </message>
    <message>
        <source>Utiliser un certificat logiciel (.p12)</source>
        <translation>Use a certificate file (.p12)</translation>
    </message>
    <message>
        <source>Se connecter avec Pro Santé Connect</source>
        <translation>Sign in with Pro Santé Connect</translation>
    </message>
    <message>
        <source>Se connecter autrement (certificat logiciel, mot de passe)…</source>
        <translation>Sign in another way (software certificate, password)…</translation>
    </message>
    <message>
        <source>Recherche du lecteur et de la carte…</source>
        <translation>Looking for the reader and the card…</translation>
    </message>
    <message>
        <source>Cliquez sur « Valider le code », puis tapez-le sur le lecteur.</source>
        <translation>Click “Check the PIN”, then type it on the reader.</translation>
    </message>
    <message>
        <source>Saisissez le code de votre carte (4 à 8 chiffres).</source>
        <translation>Type your card's PIN (4 to 8 digits).</translation>
    </message>
    <message>
        <source>Attention : dernier essai avant le blocage de la carte. </source>
        <translation>Warning: last try before the card locks. </translation>
    </message>
    <message>
        <source>Attention : un code erroné a déjà été saisi. </source>
        <translation>Warning: a wrong PIN has already been typed. </translation>
    </message>
    <message>
        <source>Carte CPS trouvée</source>
        <translation>CPS card found</translation>
    </message>
    <message>
        <source>non indiqué</source>
        <translation>not given</translation>
    </message>
    <message>
        <source>inconnu</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>Aucun lecteur de carte</source>
        <translation>No card reader</translation>
    </message>
    <message>
        <source>Aucune carte dans le lecteur</source>
        <translation>No card in the reader</translation>
    </message>
    <message>
        <source>Logiciel de la carte introuvable</source>
        <translation>Card software not found</translation>
    </message>
    <message>
        <source>Carte non reconnue</source>
        <translation>Card not recognised</translation>
    </message>
    <message>
        <source>La carte n'a pas pu être lue</source>
        <translation>The card could not be read</translation>
    </message>
    <message>
        <source>Le logiciel de la carte CPS (Cryptolib CPS) est introuvable ou inutilisable sur cet ordinateur.</source>
        <translation>The CPS card software (Cryptolib CPS) is missing or unusable on this computer.</translation>
    </message>
    <message>
        <source>Si le module est installé ailleurs, choisissez-le avec « Parcourir… ».</source>
        <translation>If the module is installed elsewhere, choose it with “Browse…”.</translation>
    </message>
    <message>
        <source>Module PKCS#11 de la carte CPS</source>
        <translation>PKCS#11 module of the CPS card</translation>
    </message>
    <message>
        <source>Carte CPS bloquée</source>
        <translation>CPS card locked</translation>
    </message>
    <message>
        <source>Vérification du code…</source>
        <translation>Checking the PIN…</translation>
    </message>
    <message>
        <source>Code accepté</source>
        <translation>PIN accepted</translation>
    </message>
    <message>
        <source>Code incorrect</source>
        <translation>Wrong PIN</translation>
    </message>
    <message>
        <source>Code non envoyé à la carte</source>
        <translation>PIN not sent to the card</translation>
    </message>
    <message>
        <source>Aucun essai n'a été utilisé.</source>
        <translation>No try was used.</translation>
    </message>
    <message>
        <source>Échec</source>
        <translation>Failed</translation>
    </message>
</context>
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
        <source>Patients destinataires</source>
        <translation>Patient recipients</translation>
    </message>
    <message>
        <source>Interdire la réponse du patient</source>
        <translation>Forbid the patient's reply</translation>
    </message>
    <message>
        <source>Le patient ne pourra pas répondre à ce message (en-tête X-MSS-MES: FIN)</source>
        <translation>The patient will not be able to reply to this message (header X-MSS-MES: FIN)</translation>
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
        <source>Enregistrer le brouillon</source>
        <translation>Save draft</translation>
    </message>
    <message>
        <source>Pièces jointes :</source>
        <translation>Attachments:</translation>
    </message>
    <message>
        <source>⚠ {0}</source>
        <translation>⚠ {0}</translation>
    </message>
    <message>
        <source>patient absent du registre (réponse à son message)</source>
        <translation>patient not in the registry (reply to their message)</translation>
    </message>
    <message>
        <source>Patient destinataire : {0} — INS {1} (Mon espace santé)</source>
        <translation>Patient recipient: {0} — INS {1} (Mon espace santé)</translation>
    </message>
    <message>
        <source>Joindre des fichiers</source>
        <translation>Attach files</translation>
    </message>
    <message>
        <source>(brouillon enregistré)</source>
        <translation>(draft saved)</translation>
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
    <message>
        <source>Ces destinataires ne font pas partie de l'espace de confiance MSSanté :</source>
        <translation>These recipients are outside the MSSanté trust space:</translation>
    </message>
    <message>
        <source>Un message envoyé hors MSSanté n'est pas protégé comme la messagerie sécurisée de santé : n'y mettez pas de données de santé d'un patient.</source>
        <translation>A message sent outside MSSanté is not protected like secure health messaging: do not put a patient's health data in it.</translation>
    </message>
    <message>
        <source>La liste blanche des domaines MSSanté n'est pas encore téléchargée sur ce poste : seules les adresses en « .mssante.fr » sont reconnues. Elle se télécharge avec « caducee directory trusted-update ».</source>
        <translation>The list of MSSanté domains (liste blanche) has not been downloaded on this computer yet: only “.mssante.fr” addresses are recognised. Download it with “caducee directory trusted-update”.</translation>
    </message>
    <message>
        <source>Destinataire hors MSSanté</source>
        <translation>Recipient outside MSSanté</translation>
    </message>
    <message>
        <source>Envoyer hors de l'espace de confiance MSSanté ?</source>
        <translation>Send outside the MSSanté trust space?</translation>
    </message>
    <message>
        <source>Envoyer quand même</source>
        <translation>Send anyway</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Enregistrer le brouillon ?</source>
        <translation>Save the draft?</translation>
    </message>
    <message>
        <source>Ce message n'est pas envoyé. L'enregistrer dans les brouillons pour le reprendre plus tard ?</source>
        <translation>This message is not sent. Save it in the drafts to finish it later?</translation>
    </message>
</context>
<context>
    <name>ConnectPage</name>
    <message>
        <source>Connexion</source>
        <translation>Connection</translation>
    </message>
    <message>
        <source>Réessayer</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Connexion à {0}…</source>
        <translation>Connecting to {0}…</translation>
    </message>
    <message>
        <source>Le compte {0} est prêt. Sa première relève commence dès que vous cliquez sur « Terminer ».</source>
        <translation>The account {0} is ready. Its first sync starts when you click “Finish”.</translation>
    </message>
    <message>
        <source>Le compte {0} est prêt. La première relève commence à l'ouverture de la messagerie ; vous pouvez vous en servir pendant qu'elle avance.</source>
        <translation>The account {0} is ready. The first mail check starts when the mail window opens; you can use it while the check goes on.</translation>
    </message>
    <message>
        <source>Le secret est gardé dans le trousseau du système.</source>
        <translation>The secret is kept in the system keyring.</translation>
    </message>
    <message>
        <source>Aucun trousseau du système n'est disponible : le secret vous sera demandé à chaque démarrage.</source>
        <translation>No system keyring is available: the secret will be asked at every start.</translation>
    </message>
    <message>
        <source>Compte enregistré</source>
        <translation>Account saved</translation>
    </message>
    <message>
        <source>Certificat refusé</source>
        <translation>Certificate refused</translation>
    </message>
    <message>
        <source>Serveur injoignable</source>
        <translation>Server unreachable</translation>
    </message>
    <message>
        <source>Connexion refusée</source>
        <translation>Sign-in refused</translation>
    </message>
    <message>
        <source>Certificat logiciel illisible</source>
        <translation>Software certificate unreadable</translation>
    </message>
    <message>
        <source>Compte déjà configuré</source>
        <translation>Account already set up</translation>
    </message>
    <message>
        <source>Problème de carte</source>
        <translation>Card problem</translation>
    </message>
    <message>
        <source>La connexion a échoué</source>
        <translation>The connection failed</translation>
    </message>
    <message>
        <source>Vérifiez les réglages (« Précédent ») ou réessayez.</source>
        <translation>Check the settings (“Back”) or try again.</translation>
    </message>
</context>
<context>
    <name>DateField</name>
    <message>
        <source>JJ/MM/AAAA</source>
        <translation>DD/MM/YYYY</translation>
    </message>
    <message>
        <source>Date (JJ/MM/AAAA)</source>
        <translation>Date (DD/MM/YYYY)</translation>
    </message>
    <message>
        <source>Calendrier…</source>
        <translation>Calendar…</translation>
    </message>
    <message>
        <source>Choisir la date dans un calendrier</source>
        <translation>Pick the date in a calendar</translation>
    </message>
    <message>
        <source>Date invalide : tapez JJ/MM/AAAA (par exemple 02/02/2021).</source>
        <translation>Invalid date: type DD/MM/YYYY (for example 02/02/2021).</translation>
    </message>
</context>
<context>
    <name>DeliveryPanel</name>
    <message>
        <source>Suivi de l'envoi</source>
        <translation>Delivery tracking</translation>
    </message>
</context>
<context>
    <name>DirectoryPanel</name>
    <message>
        <source>Nom, profession, ville, établissement ou adresse…</source>
        <translation>Name, profession, city, organisation or address…</translation>
    </message>
    <message>
        <source>Rechercher dans l'annuaire</source>
        <translation>Search the directory</translation>
    </message>
    <message>
        <source>Rechercher aussi en ligne (Annuaire Santé)</source>
        <translation>Also search online (Annuaire Santé)</translation>
    </message>
    <message>
        <source>La recherche en ligne n'est pas configurée sur ce poste.</source>
        <translation>Online search is not set up on this computer.</translation>
    </message>
    <message>
        <source>Profession</source>
        <translation>Profession</translation>
    </message>
    <message>
        <source>Spécialité</source>
        <translation>Specialty</translation>
    </message>
    <message>
        <source>Département</source>
        <translation>Département</translation>
    </message>
    <message>
        <source>Numéro du département, par exemple 35 ou 2A</source>
        <translation>Département number, for example 35 or 2A</translation>
    </message>
    <message>
        <source>Type de boîte</source>
        <translation>Mailbox type</translation>
    </message>
    <message>
        <source>Personnes et structures</source>
        <translation>People and organisations</translation>
    </message>
    <message>
        <source>Personnes (PER)</source>
        <translation>People (PER)</translation>
    </message>
    <message>
        <source>Structures, services (ORG)</source>
        <translation>Organisations, departments (ORG)</translation>
    </message>
    <message>
        <source>Résultats</source>
        <translation>Results</translation>
    </message>
    <message>
        <source>Annuaire hors ligne absent</source>
        <translation>No offline directory</translation>
    </message>
    <message>
        <source>Mettre à jour l'annuaire</source>
        <translation>Update the directory</translation>
    </message>
    <message>
        <source>Favoris</source>
        <translation>Favourites</translation>
    </message>
    <message>
        <source>Correspondants récents</source>
        <translation>Recent correspondents</translation>
    </message>
    <message>
        <source>Détails de l'adresse</source>
        <translation>Address details</translation>
    </message>
    <message>
        <source>Écrire à</source>
        <translation>Write to</translation>
    </message>
    <message>
        <source>Nouveau message à cette adresse</source>
        <translation>New message to this address</translation>
    </message>
    <message>
        <source>Ajouter en À</source>
        <translation>Add as To</translation>
    </message>
    <message>
        <source>Ajouter en Cc</source>
        <translation>Add as Cc</translation>
    </message>
    <message>
        <source>Ajouter aux favoris</source>
        <translation>Add to favourites</translation>
    </message>
    <message>
        <source>Exporter en vCard…</source>
        <translation>Export as vCard…</translation>
    </message>
    <message>
        <source>Enregistrer les adresses choisies (ou tous les favoris) en vCard</source>
        <translation>Save the chosen addresses (or all favourites) as vCard</translation>
    </message>
    <message>
        <source>Toutes professions</source>
        <translation>All professions</translation>
    </message>
    <message>
        <source>Toutes spécialités</source>
        <translation>All specialties</translation>
    </message>
    <message>
        <source>Tapez un nom, une profession, une ville ou une adresse.</source>
        <translation>Type a name, a profession, a city or an address.</translation>
    </message>
    <message>
        <source>Recherche…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <source>Recherche impossible : {0}</source>
        <translation>Search failed: {0}</translation>
    </message>
    <message>
        <source>Recherche en ligne impossible : {0}</source>
        <translation>Online search failed: {0}</translation>
    </message>
    <message>
        <source>{0} résultat(s)</source>
        <translation>{0} result(s)</translation>
    </message>
    <message>
        <source>L'annuaire MSSanté n'est pas encore installé sur ce poste : la recherche d'adresses a besoin de lui. Vos favoris et vos correspondants récents restent dans les onglets voisins.

« Mettre à jour l'annuaire » télécharge la liste publique des adresses MSSanté publiée chaque jour par l'Agence du numérique en santé (environ 20 Mo, quelques minutes), puis l'installe. On peut aussi le faire en ligne de commande : « caducee directory update », ou « caducee directory import FICHIER » pour un fichier Extraction_Correspondance_MSSante déjà téléchargé.</source>
        <translation>The MSSanté directory is not installed on this computer yet: searching for addresses needs it. Your favourites and recent correspondents are in the next tabs.

“Update the directory” downloads the public list of MSSanté addresses published daily by the Agence du numérique en santé (about 20 MB, a few minutes), then installs it. The command line does the same: “caducee directory update”, or “caducee directory import FILE” for an Extraction_Correspondance_MSSante file already downloaded.</translation>
    </message>
    <message>
        <source>Annuaire hors ligne absent.</source>
        <translation>No offline directory.</translation>
    </message>
    <message>
        <source>Annuaire hors ligne : {0} adresses MSSanté.</source>
        <translation>Offline directory: {0} MSSanté addresses.</translation>
    </message>
    <message>
        <source>Mise à jour en cours… Vous pouvez continuer à travailler.</source>
        <translation>Updating… You can go on working.</translation>
    </message>
    <message>
        <source>La mise à jour a échoué : {0}</source>
        <translation>The update failed: {0}</translation>
    </message>
    <message>
        <source>L'annuaire est déjà à jour.</source>
        <translation>The directory is already up to date.</translation>
    </message>
    <message>
        <source>Retirer des favoris</source>
        <translation>Remove from favourites</translation>
    </message>
    <message>
        <source>Cette adresse n'est pas dans l'annuaire hors ligne.</source>
        <translation>This address is not in the offline directory.</translation>
    </message>
    <message>
        <source>Choisissez une adresse pour voir ses détails.</source>
        <translation>Choose an address to see its details.</translation>
    </message>
    <message>
        <source>Boîte personnelle (PER)</source>
        <translation>Personal mailbox (PER)</translation>
    </message>
    <message>
        <source>Boîte de structure ou de service (ORG)</source>
        <translation>Organisation or department mailbox (ORG)</translation>
    </message>
    <message>
        <source>Adresse MSSanté</source>
        <translation>MSSanté address</translation>
    </message>
    <message>
        <source>Établissement</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Adresse postale</source>
        <translation>Postal address</translation>
    </message>
    <message>
        <source>RPPS</source>
        <translation>RPPS</translation>
    </message>
    <message>
        <source>Identifiant</source>
        <translation>Identifier</translation>
    </message>
    <message>
        <source>Aucun message en cours de rédaction : « Écrire à » en ouvre un.</source>
        <translation>No message being written: “Write to” opens one.</translation>
    </message>
    <message>
        <source>Ajouté au message en cours : {0}</source>
        <translation>Added to the message being written: {0}</translation>
    </message>
    <message>
        <source>Retiré des favoris : {0}</source>
        <translation>Removed from favourites: {0}</translation>
    </message>
    <message>
        <source>Ajouté aux favoris : {0}</source>
        <translation>Added to favourites: {0}</translation>
    </message>
    <message>
        <source>Favoris non enregistrés : {0}</source>
        <translation>Favourites not saved: {0}</translation>
    </message>
    <message>
        <source>Export en cours…</source>
        <translation>Exporting…</translation>
    </message>
    <message>
        <source>Export impossible : {0}</source>
        <translation>Export failed: {0}</translation>
    </message>
    <message>
        <source>{0} fiche(s) exportée(s) dans {1}</source>
        <translation>{0} card(s) exported to {1}</translation>
    </message>
    <message>
        <source>Exporter en vCard</source>
        <translation>Export as vCard</translation>
    </message>
    <message>
        <source>Fiches vCard (*.vcf)</source>
        <translation>vCard files (*.vcf)</translation>
    </message>
</context>
<context>
    <name>DocumentTabs</name>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>Les documents de ce message sont trop longs à afficher : ouvrez-les depuis les pièces jointes.</source>
        <translation>The documents of this message take too long to show: open them from the attachments.</translation>
    </message>
    <message>
        <source>Les documents de ce message n'ont pas pu être affichés.</source>
        <translation>The documents of this message could not be shown.</translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <source>En-tête du document</source>
        <translation>Document header</translation>
    </message>
    <message>
        <source>Résultats</source>
        <translation>Results</translation>
    </message>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>Vue structurée</source>
        <translation>Structured view</translation>
    </message>
    <message>
        <source>Ce document n'a rien d'affichable ici.</source>
        <translation>This document has nothing that can be shown here.</translation>
    </message>
    <message>
        <source>Document structuré</source>
        <translation>Structured document</translation>
    </message>
</context>
<context>
    <name>DraftsPanel</name>
    <message>
        <source>Brouillons</source>
        <translation>Drafts</translation>
    </message>
    <message>
        <source>Reprendre</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Brouillons — {0}</source>
        <translation>Drafts — {0}</translation>
    </message>
    <message>
        <source>Destinataires</source>
        <translation>Recipients</translation>
    </message>
    <message>
        <source>Objet</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Modifié le</source>
        <translation>Changed on</translation>
    </message>
    <message>
        <source>Où</source>
        <translation>Where</translation>
    </message>
    <message>
        <source>ici et sur le serveur</source>
        <translation>here and on the server</translation>
    </message>
    <message>
        <source>ici (copie au serveur à la prochaine relève)</source>
        <translation>here (copied to the server at the next sync)</translation>
    </message>
    <message>
        <source>ici</source>
        <translation>here</translation>
    </message>
    <message>
        <source>(aucun destinataire)</source>
        <translation>(no recipient)</translation>
    </message>
    <message>
        <source>(sans objet)</source>
        <translation>(no subject)</translation>
    </message>
    <message>
        <source>Copiés aussi dans le dossier « {0} » du serveur.</source>
        <translation>Also copied to the server's “{0}” folder.</translation>
    </message>
    <message>
        <source>Ce compte n'a pas de dossier Brouillons sur le serveur : ils restent sur ce poste.</source>
        <translation>This account has no Drafts folder on the server: they stay on this computer.</translation>
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
    <name>FilingDestinationDialog</name>
    <message>
        <source>Destination des documents classés</source>
        <translation>Where filed documents go</translation>
    </message>
    <message>
        <source>Où Caducée range les documents reçus une fois le patient reconnu : dans un dossier par patient, ou dans le dossier que votre logiciel métier surveille pour importer les documents.</source>
        <translation>Where Caducée puts received documents once the patient is known: in one folder per patient, or in the folder your practice software watches to import documents.</translation>
    </message>
    <message>
        <source>Dossiers des patients (un sous-dossier par patient)</source>
        <translation>Patients' folders (one sub-folder per patient)</translation>
    </message>
    <message>
        <source>Logiciel métier (son dossier d'import)</source>
        <translation>Practice software (its import folder)</translation>
    </message>
    <message>
        <source>Dossier des patients</source>
        <translation>Patients folder</translation>
    </message>
    <message>
        <source>Dossier d'import</source>
        <translation>Import folder</translation>
    </message>
    <message>
        <source>HPRIM Santé nommant le patient, PDF à côté</source>
        <translation>HPRIM Santé naming the patient, PDF beside it</translation>
    </message>
    <message>
        <source>Archive IHE_XDM.ZIP reçue, telle quelle</source>
        <translation>IHE_XDM.ZIP archive as received</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Export des patients (CSV)</source>
        <translation>Patients export (CSV)</translation>
    </message>
    <message>
        <source>Au démarrage de Caducée</source>
        <translation>When Caducée starts</translation>
    </message>
    <message>
        <source>Chaque jour</source>
        <translation>Every day</translation>
    </message>
    <message>
        <source>Relire l'export</source>
        <translation>Read the export again</translation>
    </message>
    <message>
        <source>Le format et le dossier d'import dépendent de votre logiciel : vérifiez dans votre logiciel métier (ou auprès de son éditeur) ce qu'il importe et d'où.</source>
        <translation>The format and the import folder depend on your software: check in your practice software (or with its vendor) what it imports and from where.</translation>
    </message>
    <message>
        <source>Enregistrer</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Choisir…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>Export CSV (*.csv *.txt);;Tous (*)</source>
        <translation>CSV export (*.csv *.txt);;All (*)</translation>
    </message>
    <message>
        <source>Facultatif : sans lui, la liste des patients reste dans Caducée</source>
        <translation>Optional: without it, the patient list stays in Caducée</translation>
    </message>
    <message>
        <source>Indiquez le dossier d'import de votre logiciel métier.</source>
        <translation>Give the import folder of your practice software.</translation>
    </message>
    <message>
        <source>Le dossier d'import {0} n'existe pas.</source>
        <translation>The import folder {0} does not exist.</translation>
    </message>
    <message>
        <source>Le dossier des patients {0} n'existe pas.</source>
        <translation>The patients folder {0} does not exist.</translation>
    </message>
    <message>
        <source>Le fichier d'export {0} est introuvable.</source>
        <translation>The export file {0} cannot be found.</translation>
    </message>
    <message>
        <source>Réglages non enregistrés : {0}</source>
        <translation>Settings not saved: {0}</translation>
    </message>
</context>
<context>
    <name>FilingDialog</name>
    <message>
        <source>Classer — {0}</source>
        <translation>Filing — {0}</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt;&lt;br&gt;De : {1}</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt;&lt;br&gt;From: {1}</translation>
    </message>
    <message>
        <source>Pièce jointe refusée : {0} — {1}</source>
        <translation>Attachment refused: {0} — {1}</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Document</translation>
    </message>
    <message>
        <source>&lt;b&gt;Patient&lt;/b&gt;</source>
        <translation>&lt;b&gt;Patient&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Nouveau patient…</source>
        <translation>New patient…</translation>
    </message>
    <message>
        <source>Résultats…</source>
        <translation>Results…</translation>
    </message>
    <message>
        <source>Les résultats d'analyses classés pour ce patient</source>
        <translation>The lab results filed for this patient</translation>
    </message>
    <message>
        <source>Trait</source>
        <translation>Trait</translation>
    </message>
    <message>
        <source>Lu dans le document</source>
        <translation>Read in the document</translation>
    </message>
    <message>
        <source>Patient choisi</source>
        <translation>Chosen patient</translation>
    </message>
    <message>
        <source>Classer</source>
        <translation>File to patient</translation>
    </message>
    <message>
        <source>Ne pas classer…</source>
        <translation>Do not file…</translation>
    </message>
    <message>
        <source>Identité impossible à établir : le message sort de « À classer » et l'expéditeur peut en être averti (accusé d'erreur).</source>
        <translation>Identity cannot be established: the message leaves “To be filed” and the sender can be told (error receipt).</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Aucun document à classer dans ce message.</source>
        <translation>No document to file in this message.</translation>
    </message>
    <message>
        <source>Document {0} : {1}{2}</source>
        <translation>Document {0}: {1}{2}</translation>
    </message>
    <message>
        <source>Chargement…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Aperçu indisponible pour ce document.</source>
        <translation>No preview for this document.</translation>
    </message>
    <message>
        <source>Ce document est trop complexe pour être affiché en HTML ; voici son texte.</source>
        <translation>This document is too complex to show as HTML; here is its text.</translation>
    </message>
    <message>
        <source>— choisir un patient —</source>
        <translation>— choose a patient —</translation>
    </message>
    <message>
        <source>Nom de naissance</source>
        <translation>Birth name</translation>
    </message>
    <message>
        <source>Nom d'usage</source>
        <translation>Used name</translation>
    </message>
    <message>
        <source>Prénom(s)</source>
        <translation>First name(s)</translation>
    </message>
    <message>
        <source>Date de naissance</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Sexe</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>INS</source>
        <translation>INS</translation>
    </message>
    <message>
        <source>Identité lue dans : {0}</source>
        <translation>Identity read from: {0}</translation>
    </message>
    <message>
        <source>Le document n'indique pas l'identité du patient.</source>
        <translation>The document does not give the patient's identity.</translation>
    </message>
    <message>
        <source>Destination : choisissez ou créez le patient.</source>
        <translation>Destination: choose or create the patient.</translation>
    </message>
    <message>
        <source>Destination : logiciel métier, dossier d'import {0}</source>
        <translation>Destination: practice software, import folder {0}</translation>
    </message>
    <message>
        <source>Destination : {0}</source>
        <translation>Destination: {0}</translation>
    </message>
    <message>
        <source>certain</source>
        <translation>certain</translation>
    </message>
    <message>
        <source>probable</source>
        <translation>probable</translation>
    </message>
    <message>
        <source>à vérifier</source>
        <translation>to check</translation>
    </message>
    <message>
        <source>Prénom</source>
        <translation>First name</translation>
    </message>
    <message>
        <source>absent</source>
        <translation>missing</translation>
    </message>
    <message>
        <source>absente</source>
        <translation>missing</translation>
    </message>
    <message>
        <source>non renseignée (patient)</source>
        <translation>not recorded (patient)</translation>
    </message>
    <message>
        <source>même matricule, sans OID</source>
        <translation>same number, no OID</translation>
    </message>
    <message>
        <source>même matricule, autre OID</source>
        <translation>same number, other OID</translation>
    </message>
    <message>
        <source>clé invalide</source>
        <translation>invalid key</translation>
    </message>
    <message>
        <source>Aucun patient correspondant.</source>
        <translation>No matching patient.</translation>
    </message>
    <message>
        <source>certaine</source>
        <translation>certain</translation>
    </message>
    <message>
        <source>&lt;b&gt;Identité {0}&lt;/b&gt; — {1}.</source>
        <translation>&lt;b&gt;Identity {0}&lt;/b&gt; — {1}.</translation>
    </message>
    <message>
        <source>Patient choisi par vous : comparez les traits.</source>
        <translation>Patient chosen by you: compare the traits.</translation>
    </message>
    <message>
        <source>INS de test ou de démonstration : jamais classé automatiquement ; vérifiez qu'il ne s'agit pas d'un vrai patient.</source>
        <translation>Test or demo INS: never filed automatically; check that this is not a real patient.</translation>
    </message>
    <message>
        <source>Incohérence : {0}</source>
        <translation>Inconsistency: {0}</translation>
    </message>
    <message>
        <source>Comparez avant de classer.</source>
        <translation>Compare before filing.</translation>
    </message>
    <message>
        <source>Ne pas classer</source>
        <translation>Do not file</translation>
    </message>
    <message>
        <source>Ne pas classer les documents de ce message ? Ils sortent de « À classer » et l'expéditeur peut être averti que l'identité du patient n'a pas pu être établie.</source>
        <translation>Do not file the documents of this message? They leave “To be filed” and the sender can be told that the patient's identity could not be established.</translation>
    </message>
    <message>
        <source>Non classé (code {0}).</source>
        <translation>Not filed (code {0}).</translation>
    </message>
    <message>
        <source>L'expéditeur demande un accusé de traitement. Lui envoyer l'accusé « documents intégrés au dossier du patient » ?</source>
        <translation>The sender asks for a processing receipt. Send the receipt “documents added to the patient's record”?</translation>
    </message>
    <message>
        <source>L'expéditeur demande un accusé de traitement. Lui envoyer l'accusé d'erreur (code {0}) ?</source>
        <translation>The sender asks for a processing receipt. Send the error receipt (code {0})?</translation>
    </message>
    <message>
        <source>Accusé de traitement</source>
        <translation>Processing receipt</translation>
    </message>
    <message>
        <source>Accusé mis en envoi.</source>
        <translation>Receipt queued for sending.</translation>
    </message>
</context>
<context>
    <name>FilingJournalDialog</name>
    <message>
        <source>Journal des classements</source>
        <translation>Filing journal</translation>
    </message>
    <message>
        <source>N°</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>État</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Utilisateur</source>
        <translation>User</translation>
    </message>
    <message>
        <source>Poste</source>
        <translation>Computer</translation>
    </message>
    <message>
        <source>Détail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>{0} entrée(s), les plus récentes d'abord — dossier des patients : {1}</source>
        <translation>{0} entries, newest first — patients folder: {1}</translation>
    </message>
    <message>
        <source>{0} (par l'entrée {1})</source>
        <translation>{0} (by entry {1})</translation>
    </message>
    <message>
        <source>{0} (document {1})</source>
        <translation>{0} (document {1})</translation>
    </message>
</context>
<context>
    <name>FilingQueue</name>
    <message>
        <source>À classer</source>
        <translation>To be filed</translation>
    </message>
    <message>
        <source>Reçu le</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Objet</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Document</translation>
    </message>
    <message>
        <source>Patient lu dans le document</source>
        <translation>Patient read in the document</translation>
    </message>
    <message>
        <source>Patient proposé</source>
        <translation>Proposed patient</translation>
    </message>
    <message>
        <source>Identité</source>
        <translation>Identity</translation>
    </message>
    <message>
        <source>Classer les documents certains cochés</source>
        <translation>File the checked certain documents</translation>
    </message>
    <message>
        <source>Classer…</source>
        <translation>File to patient…</translation>
    </message>
    <message>
        <source>Actualiser</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Recherche des documents à classer…</source>
        <translation>Looking for documents to file…</translation>
    </message>
    <message>
        <source>Certaine</source>
        <translation>Certain</translation>
    </message>
    <message>
        <source>Probable</source>
        <translation>Probable</translation>
    </message>
    <message>
        <source>À vérifier</source>
        <translation>To check</translation>
    </message>
    <message>
        <source>INS de test : à vérifier</source>
        <translation>Test INS: to check</translation>
    </message>
    <message>
        <source>Patient inconnu</source>
        <translation>Unknown patient</translation>
    </message>
    <message>
        <source>{0} document(s) à classer, dont {1} avec une identité certaine (cochés : vérifiez-les puis « Classer les documents certains cochés »). Double-cliquez sur une ligne pour la classer vous-même.</source>
        <translation>{0} document(s) to file, {1} of them with a certain identity (checked: review them, then “File the checked certain documents”). Double-click a row to file it yourself.</translation>
    </message>
    <message>
        <source>La recherche a échoué : {0}</source>
        <translation>The search failed: {0}</translation>
    </message>
    <message>
        <source>{0} document(s) classé(s).</source>
        <translation>{0} document(s) filed.</translation>
    </message>
    <message>
        <source>{0} n'ont pas pu l'être.</source>
        <translation>{0} could not be.</translation>
    </message>
</context>
<context>
    <name>FilingWindow</name>
    <message>
        <source>Journal des classements illisible : {0}</source>
        <translation>Filing journal unreadable: {0}</translation>
    </message>
    <message>
        <source>Le message n'est pas encore téléchargé : relevez le courrier d'abord.</source>
        <translation>The message is not downloaded yet: get the mail first.</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Caducée — ajouter un compte</source>
        <translation>Caducée — add an account</translation>
    </message>
    <message>
        <source>Caducée — premier démarrage</source>
        <translation>Caducée — first start</translation>
    </message>
    <message>
        <source>Suivant &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>&lt; Précédent</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Terminer</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Ouvrir la messagerie</source>
        <translation>Open the mail</translation>
    </message>
    <message>
        <source>Parcourir…</source>
        <translation>Browse…</translation>
    </message>
</context>
<context>
    <name>FolderActions</name>
    <message>
        <source>Nouveau dossier…</source>
        <translation>New folder…</translation>
    </message>
    <message>
        <source>Renommer le dossier…</source>
        <translation>Rename folder…</translation>
    </message>
    <message>
        <source>Déplacer le dossier…</source>
        <translation>Move folder…</translation>
    </message>
    <message>
        <source>Supprimer le dossier…</source>
        <translation>Delete folder…</translation>
    </message>
    <message>
        <source>Marquer le dossier comme lu</source>
        <translation>Mark folder as read</translation>
    </message>
    <message>
        <source>Archiver</source>
        <translation>Archive</translation>
    </message>
    <message>
        <source>Ranger les messages choisis dans Archives/année (A)</source>
        <translation>Move the chosen messages to Archives/year (A)</translation>
    </message>
    <message>
        <source>Dossier</source>
        <translation>Folder</translation>
    </message>
    <message>
        <source>Nouveau sous-dossier…</source>
        <translation>New subfolder…</translation>
    </message>
    <message>
        <source>Renommer le dossier</source>
        <translation>Rename folder</translation>
    </message>
    <message>
        <source>Nouveau nom :</source>
        <translation>New name:</translation>
    </message>
    <message>
        <source>(premier niveau du compte)</source>
        <translation>(top level of the account)</translation>
    </message>
    <message>
        <source>Déplacer le dossier</source>
        <translation>Move folder</translation>
    </message>
    <message>
        <source>Mettre « {0} » dans :</source>
        <translation>Put “{0}” in:</translation>
    </message>
    <message>
        <source>Supprimer le dossier ?</source>
        <translation>Delete the folder?</translation>
    </message>
    <message>
        <source>Supprimer le dossier « {0} » et ses {1} message(s) ? Ils seront aussi supprimés sur le serveur, sans passer par la corbeille.</source>
        <translation>Delete the folder “{0}” and its {1} message(s)? They will be deleted on the server too, without going to the trash.</translation>
    </message>
    <message>
        <source>{0} message(s) marqué(s) comme lu(s).</source>
        <translation>{0} message(s) marked as read.</translation>
    </message>
    <message>
        <source>Marquage comme lu…</source>
        <translation>Marking as read…</translation>
    </message>
    <message>
        <source>Choisissez d'abord un message.</source>
        <translation>Choose a message first.</translation>
    </message>
    <message>
        <source>{0} message(s) archivé(s) dans « {1} ».</source>
        <translation>{0} message(s) archived in “{1}”.</translation>
    </message>
    <message>
        <source>Archivage de {0} message(s)…</source>
        <translation>Archiving {0} message(s)…</translation>
    </message>
    <message>
        <source>{0} message(s) copié(s) dans « {1} ».</source>
        <translation>{0} message(s) copied to “{1}”.</translation>
    </message>
    <message>
        <source>{0} message(s) déplacé(s) dans « {1} ».</source>
        <translation>{0} message(s) moved to “{1}”.</translation>
    </message>
    <message>
        <source>Copie de {0} message(s)…</source>
        <translation>Copying {0} message(s)…</translation>
    </message>
    <message>
        <source>Déplacement de {0} message(s)…</source>
        <translation>Moving {0} message(s)…</translation>
    </message>
    <message>
        <source>Dossiers</source>
        <translation>Folders</translation>
    </message>
</context>
<context>
    <name>FolderMenu</name>
    <message>
        <source>Tout développer</source>
        <translation>Expand all</translation>
    </message>
    <message>
        <source>Tout réduire</source>
        <translation>Collapse all</translation>
    </message>
</context>
<context>
    <name>FolderTreeModel</name>
    <message>
        <source>Boîte de réception</source>
        <translation>Inbox</translation>
    </message>
    <message>
        <source>Envoyés</source>
        <translation>Sent</translation>
    </message>
    <message>
        <source>Brouillons (serveur)</source>
        <translation>Drafts (server)</translation>
    </message>
    <message>
        <source>Corbeille</source>
        <translation>Trash</translation>
    </message>
    <message>
        <source>Indésirables</source>
        <translation>Junk</translation>
    </message>
    <message>
        <source>Archives</source>
        <translation>Archives</translation>
    </message>
    <message>
        <source>Dossiers</source>
        <translation>Folders</translation>
    </message>
    <message>
        <source>Compte {0}</source>
        <translation>Account {0}</translation>
    </message>
    <message>
        <source>Boîte d'envoi</source>
        <translation>Outbox</translation>
    </message>
    <message>
        <source>Boîte d'envoi, {0} message(s) non envoyé(s), {1} en échec ou incertain(s)</source>
        <translation>Outbox, {0} unsent message(s), {1} failed or uncertain</translation>
    </message>
    <message>
        <source>Brouillons</source>
        <translation>Drafts</translation>
    </message>
</context>
<context>
    <name>HeaderMenu</name>
    <message>
        <source>De : {0}</source>
        <translation>From: {0}</translation>
    </message>
    <message>
        <source>À : {0}</source>
        <translation>To: {0}</translation>
    </message>
</context>
<context>
    <name>HelpWindow</name>
    <message>
        <source>Aide de Caducée</source>
        <translation>Caducée help</translation>
    </message>
</context>
<context>
    <name>ListColumns</name>
    <message>
        <source>Résultats</source>
        <translation>Results</translation>
    </message>
    <message>
        <source>Lettre de liaison</source>
        <translation>Discharge letter</translation>
    </message>
    <message>
        <source>Imagerie</source>
        <translation>Imaging</translation>
    </message>
    <message>
        <source>Message d'un patient</source>
        <translation>Message from a patient</translation>
    </message>
    <message>
        <source>Accusé</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Document</translation>
    </message>
    <message>
        <source>{0} résultat(s)</source>
        <translation>{0} result(s)</translation>
    </message>
    <message>
        <source>{0} anormal(aux)</source>
        <translation>{0} abnormal</translation>
    </message>
    <message>
        <source>Classé dans le dossier du patient</source>
        <translation>Filed in the patient's folder</translation>
    </message>
    <message>
        <source>INS qualifiée</source>
        <translation>Qualified INS</translation>
    </message>
    <message>
        <source>INS lue, non qualifiée (INS de test ou clé fausse)</source>
        <translation>INS read, not qualified (test INS or wrong key)</translation>
    </message>
    <message>
        <source>Pas d'INS : identité lue du document ou de l'objet</source>
        <translation>No INS: identity read from the document or the subject</translation>
    </message>
    <message>
        <source>{0} résultat(s) anormal(aux)</source>
        <translation>{0} abnormal result(s)</translation>
    </message>
</context>
<context>
    <name>ListHeader</name>
    <message>
        <source>Indicateurs (non lu, suivi, classé)</source>
        <translation>Marks (unread, flagged, filed)</translation>
    </message>
    <message>
        <source>Croissant</source>
        <translation>Ascending</translation>
    </message>
    <message>
        <source>Décroissant</source>
        <translation>Descending</translation>
    </message>
    <message>
        <source>Trier par</source>
        <translation>Sort by</translation>
    </message>
</context>
<context>
    <name>ListMenu</name>
    <message>
        <source>Expéditeur : {0}</source>
        <translation>Sender: {0}</translation>
    </message>
    <message>
        <source>Afficher seulement ce patient : {0}</source>
        <translation>Show only this patient: {0}</translation>
    </message>
    <message>
        <source>Afficher tous les patients</source>
        <translation>Show all patients</translation>
    </message>
    <message>
        <source>Résultats du patient…</source>
        <translation>Patient's results…</translation>
    </message>
    <message>
        <source>Résultats du patient</source>
        <translation>Patient's results</translation>
    </message>
    <message>
        <source>Ce message n'est classé pour aucun patient du registre : classez-le d'abord, ses résultats rejoindront ceux du patient.</source>
        <translation>This message is not filed for any patient in the register: file it first, its results will join the patient's.</translation>
    </message>
</context>
<context>
    <name>ListThreads</name>
    <message>
        <source>Fils de discussion</source>
        <translation>Threads</translation>
    </message>
    <message>
        <source>Développer tous les fils</source>
        <translation>Expand all threads</translation>
    </message>
    <message>
        <source>Réduire tous les fils</source>
        <translation>Collapse all threads</translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <source>Session verrouillée</source>
        <translation>Session locked</translation>
    </message>
    <message>
        <source>Déverrouiller</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Vos messages sont masqués.</source>
        <translation>Your messages are hidden.</translation>
    </message>
    <message>
        <source>Déverrouillez en vous reconnectant avec Pro Santé Connect (carte CPS ou e-CPS) : la fenêtre de connexion s'ouvrira.</source>
        <translation>Unlock by signing in again with Pro Santé Connect (CPS card or e-CPS): the sign-in window will open.</translation>
    </message>
    <message>
        <source>Déverrouiller avec Pro Santé Connect</source>
        <translation>Unlock with Pro Santé Connect</translation>
    </message>
    <message>
        <source>Déverrouillez avec votre carte CPS et son code ; pour les comptes Pro Santé Connect, la fenêtre de connexion (carte CPS ou e-CPS) s'ouvrira.</source>
        <translation>Unlock with your CPS card and its PIN; for Pro Santé Connect accounts, the sign-in window (CPS card or e-CPS) will open.</translation>
    </message>
    <message>
        <source>Déverrouillez avec votre carte CPS et son code.</source>
        <translation>Unlock with your CPS card and its PIN.</translation>
    </message>
</context>
<context>
    <name>MailboxTableModel</name>
    <message>
        <source>Nom</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Profession</source>
        <translation>Profession</translation>
    </message>
    <message>
        <source>Ville</source>
        <translation>City</translation>
    </message>
    <message>
        <source>Adresse MSSanté</source>
        <translation>MSSanté address</translation>
    </message>
    <message>
        <source>Trouvé en ligne (Annuaire Santé)</source>
        <translation>Found online (Annuaire Santé)</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Caducée s'est arrêté de façon inattendue lors de sa dernière utilisation.</source>
        <translation>Caducée stopped unexpectedly the last time it was used.</translation>
    </message>
    <message>
        <source>Un rapport technique (sans données de santé) est enregistré dans {0} : vous pouvez le transmettre au support.</source>
        <translation>A technical report (no health data) was saved in {0}: you can send it to support.</translation>
    </message>
    <message>
        <source>Démarré le {0}, rapport : {1}</source>
        <translation>Started on {0}, report: {1}</translation>
    </message>
    <message>
        <source>aucun</source>
        <translation>none</translation>
    </message>
    <message>
        <source>Choisissez le dossier qui contient les dossiers de vos patients (un sous-dossier par patient). Caducée y classera les documents reçus.

Si vos dossiers sont dans votre logiciel métier, annulez et choisissez Outils &gt; Destination des documents classés… : Caducée déposera les documents dans son dossier d'import.</source>
        <translation>Choose the folder that holds your patients' folders (one sub-folder per patient). Caducée files received documents there.

If your records are in your practice software, cancel and choose Tools &gt; Where filed documents go…: Caducée will put the documents in its import folder.</translation>
    </message>
    <message>
        <source>Le dossier des patients {0} est introuvable.</source>
        <translation>The patients folder {0} cannot be found.</translation>
    </message>
    <message>
        <source>Dossier des patients</source>
        <translation>Patients folder</translation>
    </message>
    <message>
        <source>DÉMO</source>
        <translation>DEMO</translation>
    </message>
    <message>
        <source>carte de démonstration</source>
        <translation>demo card</translation>
    </message>
    <message>
        <source>Pro Santé Connect de démonstration</source>
        <translation>demo Pro Santé Connect</translation>
    </message>
    <message>
        <source>{0} — édition {1}</source>
        <translation>{0} — {1} edition</translation>
    </message>
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
</context>
<context>
    <name>MenuBar</name>
    <message>
        <source>Suivi des envois…</source>
        <translation>Sent mail tracking…</translation>
    </message>
    <message>
        <source>Raccourcis clavier…</source>
        <translation>Keyboard shortcuts…</translation>
    </message>
    <message>
        <source>&amp;Fichier</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>É&amp;dition</source>
        <translation>&amp;Edit</translation>
    </message>
    <message>
        <source>&amp;Affichage</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>A&amp;ller</source>
        <translation>&amp;Go</translation>
    </message>
    <message>
        <source>&amp;Message</source>
        <translation>&amp;Message</translation>
    </message>
    <message>
        <source>&amp;Outils</source>
        <translation>&amp;Tools</translation>
    </message>
    <message>
        <source>Aid&amp;e</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>Nouveau</source>
        <translation>New</translation>
    </message>
    <message>
        <source>Barre d'outils</source>
        <translation>Toolbar</translation>
    </message>
    <message>
        <source>Barre d'état</source>
        <translation>Status bar</translation>
    </message>
    <message>
        <source>Colonnes</source>
        <translation>Columns</translation>
    </message>
    <message>
        <source>Trier par</source>
        <translation>Sort by</translation>
    </message>
    <message>
        <source>Filtres</source>
        <translation>Filters</translation>
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
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Patient (filtré)</source>
        <translation>Patient (filtered)</translation>
    </message>
    <message>
        <source>Message d'un patient (Mon espace santé) — {0}
{1}</source>
        <translation>Message from a patient (Mon espace santé) — {0}
{1}</translation>
    </message>
    <message>
        <source>non lu</source>
        <translation>unread</translation>
    </message>
    <message>
        <source>lu</source>
        <translation>read</translation>
    </message>
    <message>
        <source>(sans objet)</source>
        <translation>(no subject)</translation>
    </message>
    <message>
        <source>({0}, {1} non lu(s))</source>
        <translation>({0}, {1} unread)</translation>
    </message>
    <message>
        <source>({0})</source>
        <translation>({0})</translation>
    </message>
    <message>
        <source>réponse, niveau {0}</source>
        <translation>reply, level {0}</translation>
    </message>
    <message>
        <source>réduit</source>
        <translation>collapsed</translation>
    </message>
    <message>
        <source>développé</source>
        <translation>expanded</translation>
    </message>
    <message>
        <source>fil de {0} messages, {1}</source>
        <translation>thread of {0} messages, {1}</translation>
    </message>
</context>
<context>
    <name>MessageWindow</name>
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
        <source>Carnet d'adresses</source>
        <translation>Address book</translation>
    </message>
    <message>
        <source>Message placé dans la boîte d'envoi.</source>
        <translation>Message placed in the outbox.</translation>
    </message>
</context>
<context>
    <name>MigrationDialog</name>
    <message>
        <source>Chiffrement du profil</source>
        <translation>Encrypting the profile</translation>
    </message>
    <message>
        <source>Première ouverture de cette version : Caducée chiffre les messages, l'index de recherche et le journal d'audit de votre profil. Cela n'a lieu qu'une fois et peut prendre quelques minutes. Si l'ordinateur s'arrête, le chiffrement reprendra au prochain démarrage, sans rien perdre.</source>
        <translation>First start of this version: Caducée is encrypting the messages, the search index and the audit trail of your profile. This happens once and may take a few minutes. If the computer stops, encryption resumes at the next start without losing anything.</translation>
    </message>
</context>
<context>
    <name>ModePage</name>
    <message>
        <source>Bienvenue dans Caducée</source>
        <translation>Welcome to Caducée</translation>
    </message>
    <message>
        <source>Configurons votre messagerie sécurisée de santé (MSSanté). Comment vous connectez-vous ?</source>
        <translation>Let us set up your secure health mail (MSSanté). How do you sign in?</translation>
    </message>
    <message>
        <source>Avec ma carte CPS (recommandé)</source>
        <translation>With my CPS card (recommended)</translation>
    </message>
    <message>
        <source>Avec un certificat logiciel (fichier .p12)</source>
        <translation>With a software certificate (.p12 file)</translation>
    </message>
    <message>
        <source>Avec un mot de passe (une autre boîte aux lettres, non MSSanté)</source>
        <translation>With a password (another mailbox, not MSSanté)</translation>
    </message>
    <message>
        <source>Pro Santé Connect (carte CPS ou e-CPS)</source>
        <translation>Pro Santé Connect (CPS card or e-CPS)</translation>
    </message>
</context>
<context>
    <name>NewFolderDialog</name>
    <message>
        <source>Nouveau dossier</source>
        <translation>New folder</translation>
    </message>
    <message>
        <source>Nom du dossier</source>
        <translation>Folder name</translation>
    </message>
    <message>
        <source>Créer dans</source>
        <translation>Create in</translation>
    </message>
    <message>
        <source>(premier niveau du compte)</source>
        <translation>(top level of the account)</translation>
    </message>
    <message>
        <source>Créer</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Nom :</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Créer dans :</source>
        <translation>Create in:</translation>
    </message>
</context>
<context>
    <name>NewMail</name>
    <message>
        <source>{0} nouveau(x) message(s)</source>
        <translation>{0} new message(s)</translation>
    </message>
</context>
<context>
    <name>NewPatientDialog</name>
    <message>
        <source>Nouveau patient</source>
        <translation>New patient</translation>
    </message>
    <message>
        <source>Prérempli avec l'identité lue dans : {0}. Vérifiez chaque champ.</source>
        <translation>Filled in with the identity read from: {0}. Check each field.</translation>
    </message>
    <message>
        <source>Le document n'indique pas l'identité du patient : saisissez-la.</source>
        <translation>The document does not give the patient's identity: type it in.</translation>
    </message>
    <message>
        <source>Femme</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>Homme</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>Inconnu</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>15 caractères (matricule INS)</source>
        <translation>15 characters (INS number)</translation>
    </message>
    <message>
        <source>— à préciser —</source>
        <translation>— to specify —</translation>
    </message>
    <message>
        <source>NIR (1.2.250.1.213.1.4.8)</source>
        <translation>NIR (1.2.250.1.213.1.4.8)</translation>
    </message>
    <message>
        <source>NIA, provisoire (1.2.250.1.213.1.4.9)</source>
        <translation>NIA, temporary (1.2.250.1.213.1.4.9)</translation>
    </message>
    <message>
        <source>INS de test (1.2.250.1.213.1.4.10)</source>
        <translation>Test INS (1.2.250.1.213.1.4.10)</translation>
    </message>
    <message>
        <source>INS de démonstration (1.2.250.1.213.1.4.11)</source>
        <translation>Demo INS (1.2.250.1.213.1.4.11)</translation>
    </message>
    <message>
        <source>Nom de naissance :</source>
        <translation>Birth name:</translation>
    </message>
    <message>
        <source>Nom d'usage :</source>
        <translation>Used name:</translation>
    </message>
    <message>
        <source>Prénom(s) :</source>
        <translation>First name(s):</translation>
    </message>
    <message>
        <source>Date de naissance :</source>
        <translation>Date of birth:</translation>
    </message>
    <message>
        <source>Sexe :</source>
        <translation>Sex:</translation>
    </message>
    <message>
        <source>INS :</source>
        <translation>INS:</translation>
    </message>
    <message>
        <source>OID de l'INS :</source>
        <translation>INS OID:</translation>
    </message>
    <message>
        <source>Créer</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>Le nom de naissance et le prénom sont obligatoires.</source>
        <translation>Birth name and first name are required.</translation>
    </message>
    <message>
        <source>INS : 15 caractères attendus ({0} saisis).</source>
        <translation>INS: 15 characters expected ({0} typed).</translation>
    </message>
    <message>
        <source>INS : 13 chiffres (2A ou 2B pour la Corse) suivis de la clé à 2 chiffres.</source>
        <translation>INS: 13 digits (2A or 2B for Corsica) followed by the 2-digit key.</translation>
    </message>
    <message>
        <source>INS : la clé de contrôle ne correspond pas au numéro : vérifiez la saisie.</source>
        <translation>INS: the check key does not match the number: check what you typed.</translation>
    </message>
    <message>
        <source>INS : précisez de quel identifiant il s'agit (OID).</source>
        <translation>INS: say which identifier it is (OID).</translation>
    </message>
</context>
<context>
    <name>OutboxModel</name>
    <message>
        <source>État</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Destinataires</source>
        <translation>Recipients</translation>
    </message>
    <message>
        <source>Objet</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Tentatives</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>Créé le</source>
        <translation>Created on</translation>
    </message>
    <message>
        <source>Motif</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>en attente</source>
        <translation>waiting</translation>
    </message>
    <message>
        <source>envoi en cours</source>
        <translation>sending</translation>
    </message>
    <message>
        <source>envoyé</source>
        <translation>sent</translation>
    </message>
    <message>
        <source>échec</source>
        <translation>failed</translation>
    </message>
    <message>
        <source>incertain</source>
        <translation>uncertain</translation>
    </message>
    <message>
        <source>(sans objet)</source>
        <translation>(no subject)</translation>
    </message>
    <message>
        <source>Connexion perdue juste après l'envoi : peut-être déjà remis</source>
        <translation>Connection lost just after sending: perhaps already delivered</translation>
    </message>
    <message>
        <source>Nouvel essai après {0} — {1}</source>
        <translation>Next attempt after {0} — {1}</translation>
    </message>
    <message>
        <source>Dernier essai : {0}</source>
        <translation>Last attempt: {0}</translation>
    </message>
    <message>
        <source>Envoyé le {0}</source>
        <translation>Sent on {0}</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <source>Boîte d'envoi</source>
        <translation>Outbox</translation>
    </message>
    <message>
        <source>Réessayer</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Modifier</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Boîte d'envoi — {0}</source>
        <translation>Outbox — {0}</translation>
    </message>
    <message>
        <source>Choisissez un message pour voir son état.</source>
        <translation>Choose a message to see its state.</translation>
    </message>
    <message>
        <source>La boîte d'envoi est vide : tout est parti.</source>
        <translation>The outbox is empty: everything has left.</translation>
    </message>
    <message>
        <source>État : {0} — {1} tentative(s)</source>
        <translation>State: {0} — {1} attempt(s)</translation>
    </message>
    <message>
        <source>À : {0}</source>
        <translation>To: {0}</translation>
    </message>
    <message>
        <source>Réponse du serveur : {0}</source>
        <translation>Server's reply: {0}</translation>
    </message>
    <message>
        <source>Le message reste ici tant que vous ne l'avez pas renvoyé, modifié ou supprimé.</source>
        <translation>The message stays here until you send it again, edit it or delete it.</translation>
    </message>
    <message>
        <source>La connexion a été perdue juste après l'envoi complet du message, avant la réponse du serveur : le destinataire l'a peut-être déjà reçu. Caducée ne le renvoie pas sans votre accord (« Réessayer » vous le demandera).</source>
        <translation>The connection was lost just after the whole message went out, before the server's reply: the recipient may already have it. Caducée does not send it again without your consent (“Retry” will ask you).</translation>
    </message>
    <message>
        <source>Aucune vérification n'a encore pu être faite sur le serveur.</source>
        <translation>No check could be made on the server yet.</translation>
    </message>
    <message>
        <source>Dernier essai : {0}</source>
        <translation>Last attempt: {0}</translation>
    </message>
    <message>
        <source>Prochain essai automatique : {0}</source>
        <translation>Next automatic attempt: {0}</translation>
    </message>
    <message>
        <source>Il part à la prochaine relève.</source>
        <translation>It leaves at the next sync.</translation>
    </message>
    <message>
        <source>Envoyé le {0}.</source>
        <translation>Sent on {0}.</translation>
    </message>
</context>
<context>
    <name>PatientsDialog</name>
    <message>
        <source>Patients</source>
        <translation>Patients</translation>
    </message>
    <message>
        <source>Rechercher un patient (nom, prénom, INS)</source>
        <translation>Find a patient (name, first name, INS)</translation>
    </message>
    <message>
        <source>Rechercher un patient</source>
        <translation>Find a patient</translation>
    </message>
    <message>
        <source>Nom de naissance</source>
        <translation>Birth name</translation>
    </message>
    <message>
        <source>Prénom(s)</source>
        <translation>First name(s)</translation>
    </message>
    <message>
        <source>Naissance</source>
        <translation>Born</translation>
    </message>
    <message>
        <source>INS</source>
        <translation>INS</translation>
    </message>
    <message>
        <source>Identité</source>
        <translation>Identity</translation>
    </message>
    <message>
        <source>Liste des patients</source>
        <translation>Patient list</translation>
    </message>
    <message>
        <source>Écrire au patient</source>
        <translation>Write to the patient</translation>
    </message>
    <message>
        <source>Un message sur Mon espace santé, à l'adresse faite de son INS qualifié</source>
        <translation>A message on Mon espace santé, to the address made of their qualified INS</translation>
    </message>
    <message>
        <source>Identité qualifiée…</source>
        <translation>Mark the identity as qualified…</translation>
    </message>
    <message>
        <source>Adresser des documents…</source>
        <translation>Send documents…</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>qualifiée</source>
        <translation>qualified</translation>
    </message>
    <message>
        <source>non qualifiée</source>
        <translation>not qualified</translation>
    </message>
    <message>
        <source>sans INS</source>
        <translation>no INS</translation>
    </message>
    <message>
        <source>Identité non qualifiée…</source>
        <translation>Mark the identity as not qualified…</translation>
    </message>
    <message>
        <source>Aucun patient choisi.</source>
        <translation>No patient chosen.</translation>
    </message>
    <message>
        <source>Écrire au patient impossible : {0}</source>
        <translation>Cannot write to the patient: {0}</translation>
    </message>
    <message>
        <source>Mon espace santé : {0}</source>
        <translation>Mon espace santé: {0}</translation>
    </message>
    <message>
        <source>rien de déductible</source>
        <translation>nothing can be deduced</translation>
    </message>
    <message>
        <source>Confirmez-vous que l'identité de ce patient est qualifiée (INS vérifié par le téléservice INSi et une pièce d'identité) ?

{0}
INS : {1}
D'après le matricule : {2}</source>
        <translation>Do you confirm that this patient's identity is qualified (INS checked with the INSi service and an identity document)?

{0}
INS: {1}
From the number: {2}</translation>
    </message>
    <message>
        <source>L'identité de {0} ne sera plus considérée comme qualifiée : vous ne pourrez plus lui écrire sur Mon espace santé. Continuer ?</source>
        <translation>The identity of {0} will no longer be taken as qualified: you will not be able to write to them on Mon espace santé. Continue?</translation>
    </message>
    <message>
        <source>Identité du patient</source>
        <translation>Patient identity</translation>
    </message>
</context>
<context>
    <name>PdfPane</name>
    <message>
        <source>Document PDF</source>
        <translation>PDF document</translation>
    </message>
    <message>
        <source>Ce PDF est illisible ou endommagé.</source>
        <translation>This PDF cannot be read or is damaged.</translation>
    </message>
    <message>
        <source>Page précédente</source>
        <translation>Previous page</translation>
    </message>
    <message>
        <source>Page suivante</source>
        <translation>Next page</translation>
    </message>
    <message>
        <source>Page</source>
        <translation>Page</translation>
    </message>
    <message>
        <source>/ {0}</source>
        <translation>/ {0}</translation>
    </message>
    <message>
        <source>Réduire</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <source>Agrandir</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <source>Pleine largeur</source>
        <translation>Full width</translation>
    </message>
    <message>
        <source>Ajuster à la largeur</source>
        <translation>Fit to width</translation>
    </message>
    <message>
        <source>Rechercher dans le PDF</source>
        <translation>Find in the PDF</translation>
    </message>
    <message>
        <source>Occurrence précédente</source>
        <translation>Previous match</translation>
    </message>
    <message>
        <source>Occurrence suivante</source>
        <translation>Next match</translation>
    </message>
    <message>
        <source>Imprimer…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>Imprimer le PDF</source>
        <translation>Print the PDF</translation>
    </message>
    <message>
        <source>Introuvable</source>
        <translation>Not found</translation>
    </message>
    <message>
        <source>{0} / {1}</source>
        <translation>{0} / {1}</translation>
    </message>
    <message>
        <source>Imprimer le document</source>
        <translation>Print the document</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Préférences</source>
        <translation>Preferences</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>jamais</source>
        <translation>never</translation>
    </message>
    <message>
        <source>Avec un compte MSSanté, la session se verrouille après 120 minutes au plus ; le déverrouillage demande le code de la carte.</source>
        <translation>With an MSSanté account, the session locks after 120 minutes at most; unlocking asks for the card's PIN.</translation>
    </message>
    <message>
        <source>0 : jamais. Le déverrouillage demande le code de la carte.</source>
        <translation>0: never. Unlocking asks for the card's PIN.</translation>
    </message>
    <message>
        <source>aucun</source>
        <translation>none</translation>
    </message>
    <message>
        <source>Parcourir…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>Mettre à jour l'annuaire et la liste blanche chaque jour</source>
        <translation>Update the directory and the liste blanche every day</translation>
    </message>
    <message>
        <source>Mettre à jour maintenant</source>
        <translation>Update now</translation>
    </message>
    <message>
        <source>Langue du système</source>
        <translation>System language</translation>
    </message>
    <message>
        <source>La langue change au prochain démarrage de Caducée.</source>
        <translation>The language changes the next time Caducée starts.</translation>
    </message>
    <message>
        <source>Signaler les nouveaux messages (sans expéditeur ni objet)</source>
        <translation>Notify new messages (without sender or subject)</translation>
    </message>
    <message>
        <source>Demander un accusé de remise</source>
        <translation>Ask for a delivery receipt</translation>
    </message>
    <message>
        <source>Demander un accusé de lecture</source>
        <translation>Ask for a read receipt</translation>
    </message>
    <message>
        <source>Sécurité</source>
        <translation>Security</translation>
    </message>
    <message>
        <source>Verrouiller après :</source>
        <translation>Lock after:</translation>
    </message>
    <message>
        <source>Classement</source>
        <translation>Filing</translation>
    </message>
    <message>
        <source>Dossier des patients :</source>
        <translation>Patients folder:</translation>
    </message>
    <message>
        <source>Annuaire</source>
        <translation>Directory</translation>
    </message>
    <message>
        <source>Affichage</source>
        <translation>Display</translation>
    </message>
    <message>
        <source>Langue :</source>
        <translation>Language:</translation>
    </message>
    <message>
        <source>Nouveaux messages</source>
        <translation>New messages</translation>
    </message>
    <message>
        <source>Enregistrer</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Dossier des patients</source>
        <translation>Patients folder</translation>
    </message>
    <message>
        <source>Le dossier des patients {0} est introuvable.</source>
        <translation>The patients folder {0} cannot be found.</translation>
    </message>
    <message>
        <source>Les préférences n'ont pas pu être enregistrées : {0}</source>
        <translation>The preferences could not be saved: {0}</translation>
    </message>
</context>
<context>
    <name>Printing</name>
    <message>
        <source>Choisissez d'abord un message.</source>
        <translation>Choose a message first.</translation>
    </message>
    <message>
        <source>Imprimer</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>Aperçu avant impression</source>
        <translation>Print preview</translation>
    </message>
    <message>
        <source>Imprimer en PDF</source>
        <translation>Print to PDF</translation>
    </message>
    <message>
        <source>message.pdf</source>
        <translation>message.pdf</translation>
    </message>
    <message>
        <source>Documents PDF (*.pdf)</source>
        <translation>PDF documents (*.pdf)</translation>
    </message>
    <message>
        <source>Impression impossible</source>
        <translation>Cannot print</translation>
    </message>
    <message>
        <source>L'impression n'a pas pu se faire. Vérifiez l'imprimante (ou, pour un PDF, que le dossier choisi accepte l'écriture), puis réessayez.</source>
        <translation>Printing failed. Check the printer (or, for a PDF, that the chosen folder can be written to), then try again.</translation>
    </message>
</context>
<context>
    <name>ProfilePassphraseDialog</name>
    <message>
        <source>Phrase secrète du profil</source>
        <translation>Profile passphrase</translation>
    </message>
    <message>
        <source>Les données de santé de ce profil sont chiffrées avec une clé protégée par une phrase secrète (aucun trousseau du système n'est disponible sur cet ordinateur). Tapez-la pour ouvrir Caducée.</source>
        <translation>The health data of this profile are encrypted with a key protected by a passphrase (no system keyring is available on this computer). Type it to open Caducée.</translation>
    </message>
    <message>
        <source>Ouvrir</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>Tapez la phrase secrète du profil.</source>
        <translation>Type the profile's passphrase.</translation>
    </message>
    <message>
        <source>Phrase secrète incorrecte : elle n'ouvre pas la clé de ce profil. Vérifiez la touche Verr. Maj. et réessayez.</source>
        <translation>Wrong passphrase: it does not open this profile's key. Check Caps Lock and try again.</translation>
    </message>
</context>
<context>
    <name>PscSignInDialog</name>
    <message>
        <source>Connexion Pro Santé Connect</source>
        <translation>Pro Santé Connect sign-in</translation>
    </message>
    <message>
        <source>Connectez-vous avec votre carte CPS ou votre e-CPS.</source>
        <translation>Sign in with your CPS card or your e-CPS.</translation>
    </message>
    <message>
        <source>Sur cet ordinateur (navigateur)</source>
        <translation>On this computer (browser)</translation>
    </message>
    <message>
        <source>Avec mon téléphone (code QR e-CPS)</source>
        <translation>With my phone (e-CPS QR code)</translation>
    </message>
    <message>
        <source>Notification sur mon téléphone (CIBA)</source>
        <translation>Notification on my phone (CIBA)</translation>
    </message>
    <message>
        <source>Identifiant national (RPPS ou ADELI)</source>
        <translation>National id (RPPS or ADELI)</translation>
    </message>
    <message>
        <source>Flashez ce code avec l'application e-CPS de votre téléphone.</source>
        <translation>Scan this code with the e-CPS app on your phone.</translation>
    </message>
    <message>
        <source>Nouveau code</source>
        <translation>New code</translation>
    </message>
    <message>
        <source>Recherche du fournisseur Pro Santé Connect…</source>
        <translation>Looking for the Pro Santé Connect provider…</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Ce fournisseur ne propose pas le code QR.</source>
        <translation>This provider does not offer the QR code.</translation>
    </message>
    <message>
        <source>Choisissez comment vous connecter.</source>
        <translation>Choose how to sign in.</translation>
    </message>
    <message>
        <source>Poursuivez dans le navigateur (carte CPS ou e-CPS), puis revenez ici.</source>
        <translation>Continue in the browser (CPS card or e-CPS), then come back here.</translation>
    </message>
    <message>
        <source>Demande d'un code…</source>
        <translation>Asking for a code…</translation>
    </message>
    <message>
        <source>Validez la connexion sur votre téléphone…</source>
        <translation>Approve the sign-in on your phone…</translation>
    </message>
    <message>
        <source>Ou ouvrez %1 et saisissez ce code.</source>
        <translation>Or open %1 and type this code.</translation>
    </message>
    <message>
        <source>Ce code mène à une page de cet ordinateur (127.0.0.1) : un téléphone ne peut pas l'ouvrir. &lt;a href="%1"&gt;Ouvrir la page de validation dans le navigateur de cet ordinateur&lt;/a&gt;.</source>
        <translation>This code leads to a page on this computer (127.0.0.1): a phone cannot open it. &lt;a href="%1"&gt;Open the approval page in this computer's browser&lt;/a&gt;.</translation>
    </message>
    <message>
        <source>En attente de la validation sur le téléphone…</source>
        <translation>Waiting for the approval on the phone…</translation>
    </message>
    <message>
        <source>Code expiré : demandez un nouveau code.</source>
        <translation>Code expired: ask for a new code.</translation>
    </message>
    <message>
        <source>Code valable encore %1</source>
        <translation>Code valid for %1 more</translation>
    </message>
</context>
<context>
    <name>Reader</name>
    <message>
        <source>En-têtes du message</source>
        <translation>Message headers</translation>
    </message>
    <message>
        <source>Message d'un patient</source>
        <translation>Message from a patient</translation>
    </message>
    <message>
        <source>Texte du message</source>
        <translation>Message text</translation>
    </message>
    <message>
        <source>Ce message est trop complexe pour être affiché en HTML ; voici son texte.</source>
        <translation>This message is too complex to show as HTML; here is its text.</translation>
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
        <source>Classer…</source>
        <translation>File to patient…</translation>
    </message>
    <message>
        <source>Classer les documents dans le dossier du patient (C)</source>
        <translation>File the documents into the patient's folder (C)</translation>
    </message>
    <message>
        <source>Adresser…</source>
        <translation>Send on…</translation>
    </message>
    <message>
        <source>Adresser les documents classés à un confrère</source>
        <translation>Send the filed documents to a colleague</translation>
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
        <source>Documents classés dans le dossier du patient.</source>
        <translation>Documents filed into the patient's folder.</translation>
    </message>
    <message>
        <source>Classé le {0} dans le dossier de {1}</source>
        <translation>Filed on {0} in the folder of {1}</translation>
    </message>
    <message>
        <source>ouvrir</source>
        <translation>open</translation>
    </message>
    <message>
        <source>Impossible d'ouvrir le dossier du patient : {0}</source>
        <translation>Cannot open the patient's folder: {0}</translation>
    </message>
    <message>
        <source>identité du registre des patients</source>
        <translation>identity from the patient registry</translation>
    </message>
    <message>
        <source>nom donné par le message, non vérifié : cet INS n'est pas dans votre registre des patients</source>
        <translation>name given by the message, not checked: this INS is not in your patient registry</translation>
    </message>
    <message>
        <source>Message d'un patient (Mon espace santé)</source>
        <translation>Message from a patient (Mon espace santé)</translation>
    </message>
    <message>
        <source>Nom de naissance :</source>
        <translation>Birth name:</translation>
    </message>
    <message>
        <source>Prénom(s) :</source>
        <translation>First name(s):</translation>
    </message>
    <message>
        <source>INS :</source>
        <translation>INS:</translation>
    </message>
    <message>
        <source>Ce message n'est pas encore téléchargé : il le sera à la prochaine synchronisation.</source>
        <translation>This message is not downloaded yet: it will be at the next sync.</translation>
    </message>
    <message>
        <source>Ce message n'a pas pu être lu.</source>
        <translation>This message could not be read.</translation>
    </message>
    <message>
        <source>{0} demande un accusé de lecture.</source>
        <translation>{0} asks for a read receipt.</translation>
    </message>
    <message>
        <source>PDF non affiché</source>
        <translation>PDF not shown</translation>
    </message>
    <message>
        <source>Enregistrer la pièce jointe</source>
        <translation>Save the attachment</translation>
    </message>
    <message>
        <source>La pièce jointe n'a pas pu être enregistrée : {0}</source>
        <translation>The attachment could not be saved: {0}</translation>
    </message>
</context>
<context>
    <name>ResultsDialog</name>
    <message>
        <source>Résultats du patient</source>
        <translation>Patient's results</translation>
    </message>
    <message>
        <source>Les résultats de ce patient n'ont pas pu être lus.</source>
        <translation>This patient's results could not be read.</translation>
    </message>
</context>
<context>
    <name>ResultsTable</name>
    <message>
        <source>Résultats</source>
        <translation>Results</translation>
    </message>
    <message>
        <source>Analyse</source>
        <translation>Analysis</translation>
    </message>
    <message>
        <source>Valeur</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>Unité</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>Référence</source>
        <translation>Reference</translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <source>Chargement des résultats…</source>
        <translation>Loading the results…</translation>
    </message>
    <message>
        <source>Résultats par analyse et par date</source>
        <translation>Results by analysis and date</translation>
    </message>
    <message>
        <source>Évolution de l'analyse choisie</source>
        <translation>Trend of the chosen analysis</translation>
    </message>
    <message>
        <source>{0} analyse(s) sur {1} date(s)</source>
        <translation>{0} analysis(es) over {1} date(s)</translation>
    </message>
    <message>
        <source>Analyse</source>
        <translation>Analysis</translation>
    </message>
    <message>
        <source>Unité</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>sans date</source>
        <translation>no date</translation>
    </message>
    <message>
        <source>Évolution</source>
        <translation>Trend</translation>
    </message>
    <message>
        <source>Référence : {0}</source>
        <translation>Reference: {0}</translation>
    </message>
    <message>
        <source>Aucun résultat d'analyse classé pour ce patient.</source>
        <translation>No lab result filed for this patient.</translation>
    </message>
    <message>
        <source>pas de valeur chiffrée</source>
        <translation>no numeric value</translation>
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
    <name>SearchFeedback</name>
    <message>
        <source>Aucun résultat pour « {0} »</source>
        <translation>No results for “{0}”</translation>
    </message>
    <message>
        <source>Effacer la recherche</source>
        <translation>Clear the search</translation>
    </message>
    <message>
        <source>Aucun message ne correspond aux filtres choisis.</source>
        <translation>No message matches the chosen filters.</translation>
    </message>
    <message>
        <source>Retirer les filtres</source>
        <translation>Remove the filters</translation>
    </message>
    <message>
        <source>Aucun message dans ce dossier.</source>
        <translation>No message in this folder.</translation>
    </message>
</context>
<context>
    <name>SendDocumentsDialog</name>
    <message>
        <source>Adresser des documents</source>
        <translation>Send documents</translation>
    </message>
    <message>
        <source>Expéditeur</source>
        <translation>Sender</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>— choisir un patient —</source>
        <translation>— choose a patient —</translation>
    </message>
    <message>
        <source>Documents à adresser</source>
        <translation>Documents to send</translation>
    </message>
    <message>
        <source>Ajouter un PDF…</source>
        <translation>Add a PDF…</translation>
    </message>
    <message>
        <source>Courrier tapé</source>
        <translation>Typed letter</translation>
    </message>
    <message>
        <source>Courrier (facultatif) : tapé ici, il est envoyé comme un document PDF/A.</source>
        <translation>Letter (optional): typed here, it is sent as a PDF/A document.</translation>
    </message>
    <message>
        <source>Type de document</source>
        <translation>Document type</translation>
    </message>
    <message>
        <source>Titre</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>Titre (par défaut : le type)</source>
        <translation>Title (default: the type)</translation>
    </message>
    <message>
        <source>Date de l'acte</source>
        <translation>Date of the act</translation>
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
        <source>Chercher un confrère</source>
        <translation>Find a colleague</translation>
    </message>
    <message>
        <source>Chercher un confrère dans l'annuaire (nom, ville…)</source>
        <translation>Find a colleague in the directory (name, city…)</translation>
    </message>
    <message>
        <source>Confrères trouvés</source>
        <translation>Colleagues found</translation>
    </message>
    <message>
        <source>Texte du message</source>
        <translation>Message text</translation>
    </message>
    <message>
        <source>Texte du message (facultatif)</source>
        <translation>Message text (optional)</translation>
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
        <source>Envoyer</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>De :</source>
        <translation>From:</translation>
    </message>
    <message>
        <source>Patient :</source>
        <translation>Patient:</translation>
    </message>
    <message>
        <source>Documents :</source>
        <translation>Documents:</translation>
    </message>
    <message>
        <source>Courrier :</source>
        <translation>Letter:</translation>
    </message>
    <message>
        <source>Date de l'acte :</source>
        <translation>Date of the act:</translation>
    </message>
    <message>
        <source>Type :</source>
        <translation>Type:</translation>
    </message>
    <message>
        <source>Titre :</source>
        <translation>Title:</translation>
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
        <source>Annuaire :</source>
        <translation>Directory:</translation>
    </message>
    <message>
        <source>Message :</source>
        <translation>Message:</translation>
    </message>
    <message>
        <source> — INS de test</source>
        <translation> — test INS</translation>
    </message>
    <message>
        <source> — sans INS</source>
        <translation> — no INS</translation>
    </message>
    <message>
        <source>INS {0}</source>
        <translation>INS {0}</translation>
    </message>
    <message>
        <source>Sans INS : le document partirait sans identifiant du patient.</source>
        <translation>No INS: the document would leave without the patient's identifier.</translation>
    </message>
    <message>
        <source>Choisir des documents PDF</source>
        <translation>Choose PDF documents</translation>
    </message>
    <message>
        <source>Documents PDF (*.pdf)</source>
        <translation>PDF documents (*.pdf)</translation>
    </message>
    <message>
        <source>Annuaire indisponible.</source>
        <translation>Directory unavailable.</translation>
    </message>
    <message>
        <source>Aucun confrère trouvé.</source>
        <translation>No colleague found.</translation>
    </message>
    <message>
        <source>Patient sans INS</source>
        <translation>Patient without INS</translation>
    </message>
    <message>
        <source>{0} n'a pas d'INS dans le registre. Le document partira sans identifiant national du patient (X-MSS-INS: N) : le logiciel du destinataire ne pourra pas le rattacher sûrement.

Envoyer quand même ?</source>
        <translation>{0} has no INS in the registry. The document will leave without the patient's national identifier (X-MSS-INS: N): the recipient's software will not be able to attach it safely.

Send anyway?</translation>
    </message>
    <message>
        <source>L'INS de ce patient est un INS de test : il ne désigne pas un vrai patient et ne peut pas être envoyé.</source>
        <translation>This patient's INS is a test INS: it names no real patient and cannot be sent.</translation>
    </message>
    <message>
        <source>INS de test</source>
        <translation>Test INS</translation>
    </message>
    <message>
        <source>L'INS de ce patient est un INS de test (démonstration). L'envoyer tel quel, pour la démonstration ?</source>
        <translation>This patient's INS is a test INS (demonstration). Send it as it is?</translation>
    </message>
    <message>
        <source>Des documents de santé ne s'envoient qu'en MSSanté. Envoyer quand même ?</source>
        <translation>Health documents are sent only within MSSanté. Send anyway?</translation>
    </message>
    <message>
        <source>Destinataire hors MSSanté</source>
        <translation>Recipient outside MSSanté</translation>
    </message>
    <message>
        <source>Choisissez un compte qui a un serveur d'envoi (SMTP).</source>
        <translation>Choose an account that has an outgoing (SMTP) server.</translation>
    </message>
    <message>
        <source>Choisissez le patient.</source>
        <translation>Choose the patient.</translation>
    </message>
    <message>
        <source>Choisissez le type de document.</source>
        <translation>Choose the document type.</translation>
    </message>
    <message>
        <source>Cochez au moins un document, ajoutez un PDF ou tapez un courrier.</source>
        <translation>Tick at least one document, add a PDF or type a letter.</translation>
    </message>
    <message>
        <source>Indiquez le confrère destinataire (À :).</source>
        <translation>Give the colleague to send to (To:).</translation>
    </message>
    <message>
        <source>Préparation des documents (PDF/A)…</source>
        <translation>Preparing the documents (PDF/A)…</translation>
    </message>
    <message>
        <source>Envoi impossible : {0}</source>
        <translation>Cannot send: {0}</translation>
    </message>
    <message>
        <source>Envoi impossible.</source>
        <translation>Cannot send.</translation>
    </message>
</context>
<context>
    <name>SendNotice</name>
    <message>
        <source>Envoi en échec</source>
        <translation>Failed send</translation>
    </message>
    <message>
        <source>Voir la boîte d'envoi</source>
        <translation>Show the outbox</translation>
    </message>
    <message>
        <source>Masquer l'alerte</source>
        <translation>Hide the alert</translation>
    </message>
    <message>
        <source>Le message reste dans la boîte d'envoi ; l'alerte revient s'il échoue encore</source>
        <translation>The message stays in the outbox; the alert comes back if it fails again</translation>
    </message>
    <message>
        <source>Envoi incertain : « {0} » à {1} a peut-être été remis.</source>
        <translation>Uncertain send: “{0}” to {1} may have been delivered.</translation>
    </message>
    <message>
        <source>Vérifiez dans la boîte d'envoi avant de le renvoyer.</source>
        <translation>Check in the outbox before sending it again.</translation>
    </message>
    <message>
        <source>Message non envoyé : « {0} » à {1}.</source>
        <translation>Message not sent: “{0}” to {1}.</translation>
    </message>
    <message>
        <source> Et {0} autre(s) envoi(s) à vérifier.</source>
        <translation> And {0} other send(s) to check.</translation>
    </message>
</context>
<context>
    <name>SendViews</name>
    <message>
        <source>{0} message(s) dans la boîte d'envoi</source>
        <translation>{0} message(s) in the outbox</translation>
    </message>
    <message>
        <source>{0} brouillon(s)</source>
        <translation>{0} draft(s)</translation>
    </message>
    <message>
        <source>Brouillons ({0})</source>
        <translation>Drafts ({0})</translation>
    </message>
    <message>
        <source>Brouillons</source>
        <translation>Drafts</translation>
    </message>
    <message>
        <source>Un envoi est incertain : voir la boîte d'envoi.</source>
        <translation>A send is uncertain: see the outbox.</translation>
    </message>
    <message>
        <source>Un message n'a pas pu être envoyé : voir la boîte d'envoi.</source>
        <translation>A message could not be sent: see the outbox.</translation>
    </message>
    <message>
        <source>Ce message ne peut plus être renvoyé (déjà parti, ou en cours).</source>
        <translation>This message can no longer be sent again (already gone, or being sent).</translation>
    </message>
    <message>
        <source>Message remis en attente : il part maintenant.</source>
        <translation>Message queued again: it leaves now.</translation>
    </message>
    <message>
        <source>Vérification sur le serveur : ce message est-il déjà arrivé ?</source>
        <translation>Checking on the server: has this message already arrived?</translation>
    </message>
    <message>
        <source>Déjà remis</source>
        <translation>Already delivered</translation>
    </message>
    <message>
        <source>Ce message est bien arrivé ; il n'est pas renvoyé.</source>
        <translation>This message did arrive; it is not sent again.</translation>
    </message>
    <message>
        <source>Vérification sur le serveur impossible : {0}</source>
        <translation>Checking on the server failed: {0}</translation>
    </message>
    <message>
        <source>La connexion a été perdue juste après l'envoi complet de ce message : il a peut-être déjà été remis. Le renvoyer peut le faire arriver en double.</source>
        <translation>The connection was lost just after this whole message went out: it may already have been delivered. Sending it again may deliver it twice.</translation>
    </message>
    <message>
        <source>Renvoyer un message peut-être déjà remis ?</source>
        <translation>Send again a message that may already be delivered?</translation>
    </message>
    <message>
        <source>Renvoyer quand même</source>
        <translation>Send again anyway</translation>
    </message>
    <message>
        <source>Ne pas renvoyer</source>
        <translation>Do not send again</translation>
    </message>
    <message>
        <source>Message non renvoyé.</source>
        <translation>Message not sent again.</translation>
    </message>
    <message>
        <source>Ce message ne peut plus être renvoyé.</source>
        <translation>This message can no longer be sent again.</translation>
    </message>
    <message>
        <source>Modifier un message peut-être déjà remis ?</source>
        <translation>Edit a message that may already be delivered?</translation>
    </message>
    <message>
        <source>Ce message a peut-être déjà été remis. Le modifier puis l'envoyer peut le faire arriver deux fois (l'ancienne et la nouvelle version).</source>
        <translation>This message may already have been delivered. Editing and sending it may deliver it twice (the old and the new version).</translation>
    </message>
    <message>
        <source>Modifier quand même</source>
        <translation>Edit anyway</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Supprimer ce message ?</source>
        <translation>Delete this message?</translation>
    </message>
    <message>
        <source>« {0} » à {1} ne sera pas envoyé et sera retiré de la boîte d'envoi.</source>
        <translation>“{0}” to {1} will not be sent and will be removed from the outbox.</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Ce message est en cours d'envoi : il ne peut pas être supprimé.</source>
        <translation>This message is being sent: it cannot be deleted.</translation>
    </message>
    <message>
        <source>Supprimer ce brouillon ?</source>
        <translation>Delete this draft?</translation>
    </message>
    <message>
        <source>Le brouillon sera supprimé, ici et sur le serveur.</source>
        <translation>The draft will be deleted, here and on the server.</translation>
    </message>
</context>
<context>
    <name>ServersPage</name>
    <message>
        <source>Les serveurs de votre opérateur</source>
        <translation>Your operator's servers</translation>
    </message>
    <message>
        <source>facultatif : IGC-Santé fournie par défaut</source>
        <translation>optional: the bundled IGC-Santé by default</translation>
    </message>
    <message>
        <source>Réception (IMAP) :</source>
        <translation>Incoming (IMAP):</translation>
    </message>
    <message>
        <source>Envoi (SMTP) :</source>
        <translation>Outgoing (SMTP):</translation>
    </message>
    <message>
        <source>Autorités de confiance (PEM) :</source>
        <translation>Trusted authorities (PEM):</translation>
    </message>
    <message>
        <source>Autorités de confiance</source>
        <translation>Trusted authorities</translation>
    </message>
    <message>
        <source>Certificats (*.pem *.crt *.cer)</source>
        <translation>Certificates (*.pem *.crt *.cer)</translation>
    </message>
    <message>
        <source>Tester</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>Recherche des serveurs de {0}…</source>
        <translation>Looking for the servers of {0}…</translation>
    </message>
    <message>
        <source>Serveurs trouvés</source>
        <translation>Servers found</translation>
    </message>
    <message>
        <source>Réglages trouvés automatiquement ({0}). Vous pouvez les tester.</source>
        <translation>Settings found automatically ({0}). You can test them.</translation>
    </message>
    <message>
        <source>Aucun réglage n'a été trouvé pour « {0} » (profils d'opérateurs, DNS, autoconfiguration). Saisissez les adresses des serveurs indiquées par votre opérateur, puis cliquez sur « Tester ».</source>
        <translation>No settings were found for “{0}” (operator profiles, DNS, autoconfiguration). Type the server addresses your operator gave you, then click “Test”.</translation>
    </message>
    <message>
        <source>Opérateur inconnu</source>
        <translation>Unknown operator</translation>
    </message>
    <message>
        <source>« {0} » n'est pas une adresse IMAP.</source>
        <translation>“{0}” is not an IMAP address.</translation>
    </message>
    <message>
        <source>« {0} » n'est pas une adresse SMTP.</source>
        <translation>“{0}” is not an SMTP address.</translation>
    </message>
    <message>
        <source>Adresse de serveur invalide</source>
        <translation>Invalid server address</translation>
    </message>
    <message>
        <source>Test en cours…</source>
        <translation>Testing…</translation>
    </message>
    <message>
        <source>Test réussi</source>
        <translation>Test passed</translation>
    </message>
    <message>
        <source>Tout fonctionne : cliquez sur Suivant.</source>
        <translation>Everything works: click Next.</translation>
    </message>
    <message>
        <source>Le test a échoué</source>
        <translation>The test failed</translation>
    </message>
</context>
<context>
    <name>SessionWindow</name>
    <message>
        <source>synchronisation…</source>
        <translation>syncing…</translation>
    </message>
    <message>
        <source>connecté</source>
        <translation>connected</translation>
    </message>
    <message>
        <source>Le serveur a refusé {0} changement(s) d'indicateurs (lu, suivi…).</source>
        <translation>The server refused {0} flag change(s) (read, starred…).</translation>
    </message>
    <message>
        <source>carte retirée</source>
        <translation>card removed</translation>
    </message>
    <message>
        <source>Carte CPS retirée : réinsérez-la, puis « Déverrouiller » et votre code.</source>
        <translation>CPS card removed: insert it again, then “Unlock” and your PIN.</translation>
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
        <source>connexion Pro Santé Connect à refaire</source>
        <translation>Pro Santé Connect sign-in needed</translation>
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
        <source>relève en cours ailleurs</source>
        <translation>getting mail in another process</translation>
    </message>
    <message>
        <source>erreur</source>
        <translation>error</translation>
    </message>
</context>
<context>
    <name>SettingsActions</name>
    <message>
        <source>Préférences…</source>
        <translation>Preferences…</translation>
    </message>
    <message>
        <source>Paramètres des comptes…</source>
        <translation>Account settings…</translation>
    </message>
    <message>
        <source>Aide de Caducée</source>
        <translation>Caducée help</translation>
    </message>
    <message>
        <source>À propos de Caducée</source>
        <translation>About Caducée</translation>
    </message>
    <message>
        <source>Préférences enregistrées.</source>
        <translation>Preferences saved.</translation>
    </message>
    <message>
        <source>Compte {0} retiré, avec sa copie locale.</source>
        <translation>Account {0} removed, with its local copy.</translation>
    </message>
    <message>
        <source>Mise à jour de l'annuaire…</source>
        <translation>Updating the directory…</translation>
    </message>
    <message>
        <source>Annuaire et liste blanche à jour.</source>
        <translation>Directory and liste blanche up to date.</translation>
    </message>
    <message>
        <source>La mise à jour de l'annuaire a échoué.</source>
        <translation>The directory update failed.</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Raccourcis clavier</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>Commande</source>
        <translation>Command</translation>
    </message>
    <message>
        <source>Raccourci</source>
        <translation>Shortcut</translation>
    </message>
</context>
<context>
    <name>Sizes</name>
    <message>
        <source>{0} octets</source>
        <translation>{0} bytes</translation>
    </message>
    <message>
        <source>{0} Ko</source>
        <translation>{0} KB</translation>
    </message>
    <message>
        <source>{0} Mo</source>
        <translation>{0} MB</translation>
    </message>
    <message>
        <source>{0} Go</source>
        <translation>{0} GB</translation>
    </message>
</context>
<context>
    <name>TrackingView</name>
    <message>
        <source>Suivi des envois</source>
        <translation>Sent mail tracking</translation>
    </message>
    <message>
        <source>Afficher</source>
        <translation>Show</translation>
    </message>
    <message>
        <source>Tous les envois</source>
        <translation>All sent messages</translation>
    </message>
    <message>
        <source>En attente ou différés</source>
        <translation>Waiting or delayed</translation>
    </message>
    <message>
        <source>En échec ou refusés</source>
        <translation>Failed or refused</translation>
    </message>
    <message>
        <source>Actualiser</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Afficher :</source>
        <translation>Show:</translation>
    </message>
    <message>
        <source>Message et destinataires</source>
        <translation>Message and recipients</translation>
    </message>
    <message>
        <source>État</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Envoyé le</source>
        <translation>Sent on</translation>
    </message>
    <message>
        <source>Messages envoyés et leurs accusés</source>
        <translation>Sent messages and their receipts</translation>
    </message>
    <message>
        <source>Les accusés de remise et de lecture arrivent à chaque relève ; ils sont rangés ici plutôt que dans la boîte de réception (filtre « Accusés » pour les voir dans la liste).</source>
        <translation>Delivery and read receipts arrive with each mail check; they are shown here rather than in the inbox (use the “Receipts” filter to see them in the list).</translation>
    </message>
    <message>
        <source>envoyé, aucun accusé demandé</source>
        <translation>sent, no receipt requested</translation>
    </message>
    <message>
        <source>{0} destinataire(s) : {1}</source>
        <translation>{0} recipient(s): {1}</translation>
    </message>
    <message>
        <source>(sans objet)</source>
        <translation>(no subject)</translation>
    </message>
    <message>
        <source>{0} message(s)</source>
        <translation>{0} message(s)</translation>
    </message>
</context>
<context>
    <name>reader</name>
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
        <source>Pièces jointes :</source>
        <translation>Attachments:</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <source>&amp;Outils</source>
        <translation>&amp;Tools</translation>
    </message>
    <message>
        <source>Destination des documents classés…</source>
        <translation>Where filed documents go…</translation>
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