"""Sending a patient's documents to a colleague the MSSanté way, through the outbox.

Engine API (the CLI ``caducee send-document`` and the window's "Adresser des documents" use
these, in this order; every refusal is a :class:`SendRefused` with a French
``user_message``, raised before anything is queued):

1. ``author_from(session, name=None, national_id=None) -> Professional``: the author from the
   account's card or certificate (national id, names, organisation); ``name``/``national_id``
   only for an account without a certificate (password accounts, until PSC).
2. ``patient_identity(patient, *, without_ins=False, test_ins=False) -> PatientIdentity``:
   the registry patient's traits; refuses a patient without INS unless ``without_ins`` (she
   confirmed: sent without patient id, ``X-MSS-INS: N``), an INS whose key is wrong, and a
   test or demo INS unless ``test_ins`` (test and demo set-ups only).
3. ``DocumentChoice`` (a PDF file or a typed letter, with type, title, act date) and
   ``prepare_documents(choices) -> list[OutgoingDocument]``: each made PDF/A
   (``app.mssante.pdfa``); a non-PDF or an unconvertible file is refused, naming it.
4. ``check_recipients(addresses, cache_dir, *, confirmed=False)``: recipients outside the
   MSSanté trust space (liste blanche) refused unless she confirmed.
5. ``build(shipment) -> EmailMessage`` then ``check_size(message, limit)``: a message over the
   operator's SIZE (EHLO, ``server_size(session)``) or a configured limit is refused.
6. ``queue(store, account, message, dsn=...) -> OutboxItem``: into the outbox; then
   ``app.ops.outbox.deliver`` sends it like any other message.

``prepare(request, session, cache_dir) -> Prepared`` runs steps 1-5 in that order for a
:class:`SendRequest` (what she chose and confirmed) and gives the message and its shipment;
the CLI and the window call it (off the GUI thread: it runs Ghostscript and asks the server
its SIZE), then ``queue``.

The registry side: ``open_patient(db, root, patient_id) -> (Registry, Patient)`` refuses a
patients root that is missing or that moved (the patient's folder is not under it).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from app.core.errors import CaduceeError, Scope
from app.cps.identity import parse_holder
from app.directory import trusted
from app.directory.errors import TrustedListError
from app.filing.db import FilingDb
from app.filing.errors import PatientsRootError, UnknownPatientError
from app.filing.patients import Patient, Registry
from app.mssante import pdfa
from app.mssante.message_writer import build_message
from app.mssante.model import InsKind, PatientIdentity
from app.mssante.outgoing import DocumentType, OutgoingDocument, Professional, Shipment
from app.ops.accounts import AccountSession, mssante_domains
from app.ops.outbox import enqueue_message
from app.store.db import Account, Store
from app.store.outbox import OutboxItem
from app.transport import smtp
from app.transport.endpoints import Endpoint

log = logging.getLogger(__name__)

MAX_DOCUMENTS = 20


class SendRefused(CaduceeError):
    """Nothing was sent; ``user_message`` says why, in French."""

    scope = Scope.MESSAGE


# -- 1. the author --------------------------------------------------------------------------


def author_from(
    session: AccountSession, name: str | None = None, national_id: str | None = None
) -> Professional:
    address = session.account.address
    credential = session.credential()
    if credential is not None:
        holder = parse_holder(credential.certificate)
        family = holder.surname or holder.organisation or holder.display_name
        return Professional(
            address=address,
            family=family,
            given=holder.given_name if holder.surname else None,
            national_id=holder.id_nat,
            organisation=holder.organisation,
            structure_id=holder.structure_id,
        )
    if not name or not name.strip():
        raise SendRefused(
            "no author identity",
            user_message=f"Le compte {address} n'a ni carte CPS ni certificat : indiquez "
            "l'auteur des documents (--author-name « Prénom NOM », et --author-id avec son "
            "identifiant national).",
        )
    words = name.split()
    family_words = [w for w in words if w.isupper()] or words[-1:]
    given = " ".join(w for w in words if w not in family_words) or None
    return Professional(
        address=address,
        family=" ".join(family_words),
        given=given,
        national_id=national_id.strip() if national_id else None,
    )


# -- 2. the patient ---------------------------------------------------------------------------


def open_patient(db: FilingDb, root: Path, patient_id: str) -> tuple[Registry, Patient]:
    try:
        registry = Registry(db, root)
    except PatientsRootError as error:
        raise SendRefused("patients root", user_message=error.user_message) from error
    try:
        patient = registry.get(patient_id)
    except UnknownPatientError as error:
        raise SendRefused(
            "unknown patient",
            user_message=f"Aucun patient {patient_id} dans le dossier des patients {root} "
            "(caducee patients list). Si le dossier des patients a été déplacé, indiquez son "
            "nouvel emplacement (--patients-dir) puis « caducee patients import --folders ».",
        ) from error
    if not registry.folder_path(patient).is_dir():
        raise SendRefused(
            "patient folder missing",
            user_message=f"Le dossier de ce patient est introuvable sous {root} : le dossier "
            "des patients a-t-il été déplacé ou renommé ? Indiquez son emplacement actuel "
            "(--patients-dir).",
        )
    return registry, patient


def patient_identity(
    patient: Patient, *, without_ins: bool = False, test_ins: bool = False
) -> PatientIdentity:
    identity = patient.identity()
    ins = identity.ins
    if ins is None:
        if not without_ins:
            raise SendRefused(
                "patient without INS",
                user_message="Ce patient n'a pas d'INS dans le registre : le document partirait "
                "sans identifiant national, et le logiciel du destinataire ne pourrait pas le "
                "rattacher sûrement. Ajoutez l'INS qualifié du patient, ou confirmez l'envoi "
                "sans INS (--without-ins).",
            )
        return identity
    if not ins.key_ok:
        raise SendRefused(
            "INS key",
            user_message="L'INS de ce patient est invalide (clé de contrôle fausse) : "
            "corrigez-le dans le registre avant d'envoyer.",
        )
    if ins.kind in (InsKind.TEST, InsKind.DEMO) and not test_ins:
        raise SendRefused(
            "test INS",
            user_message="L'INS de ce patient est un INS de test ou de démonstration : il ne "
            "désigne pas un vrai patient et ne peut pas être envoyé.",
        )
    if ins.kind not in (InsKind.NIR, InsKind.NIA, InsKind.TEST, InsKind.DEMO):
        raise SendRefused(
            "unknown INS OID", user_message="L'INS de ce patient a un OID inconnu : non envoyé."
        )
    if not identity.birth_name or not identity.first_names or identity.birth_date is None:
        raise SendRefused(
            "incomplete identity",
            user_message="L'identité de ce patient est incomplète (nom de naissance, premier "
            "prénom et date de naissance sont nécessaires) : complétez-la avant d'envoyer.",
        )
    return identity


# -- 3. the documents -------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentChoice:
    type: DocumentType
    title: str
    act_date: date
    path: Path | None = None  # a PDF file...
    letter: str | None = None  # ...or a typed letter


def prepare_documents(choices: Sequence[DocumentChoice]) -> list[OutgoingDocument]:
    if not choices:
        raise SendRefused("no document", user_message="Choisissez au moins un document.")
    if len(choices) > MAX_DOCUMENTS:
        raise SendRefused(
            "too many documents",
            user_message=f"Au plus {MAX_DOCUMENTS} documents par message.",
        )
    documents = []
    for choice in choices:
        try:
            if choice.letter is not None:
                data = pdfa.letter_pdfa(choice.letter, choice.title)
            elif choice.path is not None:
                try:
                    raw = choice.path.read_bytes()
                except OSError as error:
                    raise SendRefused(
                        "unreadable document",
                        user_message=f"{choice.path.name} est illisible ou introuvable "
                        f"({error.strerror}) : rien n'a été envoyé.",
                    ) from error
                data = pdfa.to_pdfa(raw, choice.path.name)
            else:
                raise ValueError("a document choice needs a path or a letter")
        except pdfa.PdfaRefused as error:
            raise SendRefused("not PDF/A", user_message=error.reason) from error
        documents.append(OutgoingDocument(data, choice.type, choice.title, choice.act_date))
    return documents


# -- 4. recipients ----------------------------------------------------------------------------


def check_recipients(
    addresses: Sequence[str],
    cache_dir: Path,
    *,
    confirmed: bool = False,
    accounts: Iterable[Account] = (),
) -> None:
    """Refuses recipients outside the trust space unless ``confirmed``; the domains of her
    MSSanté ``accounts`` are in it (``trusted.outside_trust_space``)."""
    if not addresses:
        raise SendRefused("no recipient", user_message="Indiquez au moins un destinataire.")
    listed = None
    with contextlib.suppress(OSError, TrustedListError):
        listed = trusted.load(cache_dir)
    own = mssante_domains(accounts, cache_dir)
    verdict = trusted.outside_trust_space(listed, list(addresses), own)
    if verdict.untrusted and not confirmed:
        missing = (
            ""
            if verdict.list_cached
            else " (la liste blanche MSSanté n'est pas téléchargée sur ce poste : seules les "
            "adresses en « .mssante.fr » sont reconnues ; caducee directory trusted-update)"
        )
        raise SendRefused(
            "outside the trust space",
            user_message="Ces destinataires ne font pas partie de l'espace de confiance "
            f"MSSanté : {', '.join(verdict.untrusted)}{missing}. Des documents de santé ne "
            "s'envoient qu'en MSSanté ; rien n'a été envoyé (--outside-mssante pour confirmer).",
        )


# -- 5. the message and its size -------------------------------------------------------------


def build(shipment: Shipment) -> EmailMessage:
    return build_message(shipment)


def server_size(session: AccountSession) -> int | None:
    """The SIZE the operator announces after EHLO, or None (no SMTP, unreachable, none)."""
    account = session.account
    if account.smtp_url is None:
        return None
    try:
        probe = smtp.probe(
            Endpoint.parse(account.smtp_url),
            session.policy(),
            session.credential(),
            timeout=session.timeout,
        )
    except CaduceeError as error:
        log.info("SIZE not known before sending: %s", type(error).__name__)
        return None
    return probe.max_size


def human_size(size: int) -> str:
    """ "35 Ko", "12,4 Mo" (French decimal comma)."""
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} Mo".replace(".", ",")
    return f"{-(-size // 1000)} Ko"


def check_size(message: EmailMessage, limit: int | None) -> int:
    size = len(message.as_bytes())
    if limit is not None and limit > 0 and size > limit:
        raise SendRefused(
            "too large",
            user_message=f"Message trop volumineux pour l'opérateur ({human_size(size)}, "
            f"limite {human_size(limit)}) : envoyez moins de documents par message. Rien "
            "n'a été envoyé.",
        )
    return size


# -- 6. the outbox -----------------------------------------------------------------------------


def queue(store: Store, account: Account, message: EmailMessage, *, dsn: bool) -> OutboxItem:
    return enqueue_message(store, account, message, dsn=dsn)


# -- all the steps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SendRequest:
    """What she chose and what she confirmed."""

    to: Sequence[str]
    patient: Patient
    choices: Sequence[DocumentChoice]
    cc: Sequence[str] = ()
    body: str = ""
    mdn: bool = False
    without_ins: bool = False  # she confirmed sending for a patient without INS
    test_ins: bool = False  # test and demo set-ups only
    outside_mssante: bool = False  # she confirmed recipients outside the trust space
    author_name: str | None = None  # accounts without card or certificate only
    author_id: str | None = None
    max_size: int | None = None  # else the operator's EHLO SIZE


@dataclass(frozen=True)
class Prepared:
    message: EmailMessage
    shipment: Shipment
    size: int
    limit: int | None = None  # the limit checked against (None: none known)


def prepare(request: SendRequest, session: AccountSession, cache_dir: Path) -> Prepared:
    """Steps 1-5; :class:`SendRefused` (or an account error) before anything is queued."""
    identity = patient_identity(
        request.patient, without_ins=request.without_ins, test_ins=request.test_ins
    )
    check_recipients(
        [*request.to, *request.cc],
        cache_dir,
        confirmed=request.outside_mssante,
        accounts=[session.account],
    )
    documents = prepare_documents(request.choices)
    author = author_from(session, request.author_name, request.author_id)
    shipment = Shipment(
        sender=author,
        to=list(request.to),
        cc=list(request.cc),
        patient=identity,
        folder_number=request.patient.id,
        documents=documents,
        created=datetime.now().astimezone(),
        body=request.body,
        mdn=request.mdn,
    )
    message = build(shipment)
    limit = request.max_size if request.max_size else server_size(session)
    size = check_size(message, limit)
    return Prepared(message, shipment, size, limit)
