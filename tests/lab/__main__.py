"""Start the test lab by hand: ``python -m tests.lab [--serve]``.

Builds the IGC-Santé-shaped PKI, the two virtual CPS cards, the MSSanté-like Dovecot and the
submission server in a temporary directory, runs a real round trip (a message submitted with
a client certificate, read back over IMAP with SASL EXTERNAL), prints what it did and, with
``--serve``, keeps everything running with the connection details until Ctrl-C.
Everything is removed on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import threading
import time

import aiosmtplib
from imapclient import IMAPClient

from app.sandbox.submission import Endpoints
from tests.lab import build
from tests.lab.cards import VirtualCard, find_softhsm_module
from tests.lab.crlserver import CrlServer
from tests.lab.dovecot import Dovecot
from tests.lab.fixtures import make_lab_dir


def _missing_programs() -> list[str]:
    needs = {"dovecot": "dovecot-imapd", "softhsm2-util": "softhsm2"}
    missing = [
        f"{program} (paquet {package})"
        for program, package in needs.items()
        if not (shutil.which(program) or shutil.which(program, path="/usr/sbin"))
    ]
    if find_softhsm_module() is None:
        missing.append("module PKCS#11 SoftHSM2 (paquet softhsm2)")
    return missing


def _round_trip(
    lab: build.LabPki, accounts: build.LabAccounts, smtp: Endpoints, dovecot: Dovecot
) -> None:
    address = accounts.organisation.address
    context = lab.client_context(lab.organisation)
    subject = f"Essai du laboratoire {time.strftime('%H:%M:%S')}"
    message = build.lab_message(
        address, address, subject, "Message envoyé avec un certificat client (TLS mutuel)."
    )
    print(
        f"→ Envoi SMTP STARTTLS (port {smtp.starttls_port}) avec le certificat "
        f"logiciel de {address}"
    )
    asyncio.run(
        aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.starttls_port,
            start_tls=True,
            tls_context=context,
            timeout=10,
        )
    )
    print(f"→ Lecture IMAPS (port {dovecot.imaps_port}), authentification SASL EXTERNAL")
    with IMAPClient(
        "127.0.0.1", dovecot.imaps_port, ssl=True, ssl_context=context, timeout=10
    ) as client:
        client.sasl_login("EXTERNAL", lambda _challenge: b"")
        for _ in range(50):
            client.select_folder("INBOX", readonly=True)
            uids = client.search(["SUBJECT", subject])
            if uids:
                print(f"✔ Message relu : « {subject} » ({client.socket().version()})")
                return
            time.sleep(0.1)
    raise RuntimeError("le message envoyé n'est pas arrivé")


def _describe(
    lab: build.LabPki,
    accounts: build.LabAccounts,
    cards: list[VirtualCard],
    dovecot: Dovecot,
    smtp: Endpoints,
) -> None:
    print("\nLaboratoire Caducée (tout sur 127.0.0.1)")
    print(
        f"  IMAP STARTTLS : {dovecot.imap_port}   IMAPS : {dovecot.imaps_port}   "
        "(certificat client obligatoire, SASL EXTERNAL)"
    )
    print(
        f"  SMTP TLS implicite : {smtp.implicit_tls_port}   SMTP STARTTLS : "
        f"{smtp.starttls_port}   (certificat client obligatoire)"
    )
    print(f"  Autorité racine de test : {lab.files.root}")
    print(f"  Listes de révocation : {lab.crl_base_url}/")
    print(
        f"  Certificat logiciel (PKCS#12) : {lab.organisation_p12} "
        f"(phrase secrète « {build.P12_PASSPHRASE} »), BAL {accounts.organisation.address}"
    )
    for card in cards:
        holder = card.holder
        kind = "type CPS3 : PKCS#1 v1.5 seulement" if card.pkcs1_only else "complète"
        if card.pin_pad:
            kind += ", lecteur à clavier"
        print(
            f"  Carte « {card.token_label} » ({kind}) : {holder.given_name} "
            f"{holder.surname}, {holder.profession}, RPPS {holder.rpps}; code {card.pin}"
        )
        print(f"      module {card.module}  SOFTHSM2_CONF={card.conf}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab", description=__doc__)
    parser.add_argument(
        "--serve", action="store_true", help="laisser le laboratoire tourner jusqu'à Ctrl-C"
    )
    args = parser.parse_args(argv)
    missing = _missing_programs()
    if missing:
        print(
            "Il manque : " + ", ".join(missing) + ". Lancez d'abord scripts/bootstrap.",
            file=sys.stderr,
        )
        return 1

    base = make_lab_dir()
    crl_server = CrlServer(base / "pki")
    dovecot: Dovecot | None = None
    try:
        (base / "pki").mkdir()
        crl_server.start()
        lab = build.build_pki(base / "pki", crl_server.base_url)
        accounts = build.lab_accounts()
        cards = [build.build_card(base, lab, name) for name in build.CARDS]
        dovecot = build.mss_dovecot(base, lab, accounts)
        dovecot.start()
        with build.submission_server(lab, dovecot, accounts) as smtp:
            _describe(lab, accounts, cards, dovecot, smtp)
            print()
            _round_trip(lab, accounts, smtp, dovecot)
            if args.serve:
                print("\nLe laboratoire tourne ; Ctrl-C pour l'arrêter.")
                stop = threading.Event()
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                with contextlib.suppress(KeyboardInterrupt):
                    stop.wait()
    finally:
        if dovecot is not None:
            dovecot.stop()
        crl_server.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
