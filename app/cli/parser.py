"""An argparse parser whose every word (usage, help, section titles, errors) is in French.

argparse makes each of its messages with ``_(...)`` and ``ngettext(...)``, functions it
imports from gettext into its own module and looks up when a message is made. Replacing those
two names on the argparse module with functions that read the table below translates each
message at its source, before argparse puts the user's values in. This is preferred over
rewriting the final English text in ``error()`` with regular expressions because:

- it covers every message whatever its path: errors of a sub-command at any depth, usage
  prefix, section titles, help of the default options, warnings of newer Pythons;
- the wording differences between Python versions are only extra entries of the table (keyed
  by argparse's own message ids), and a unit test lists the ids of the running Python's
  argparse and fails on any one left untranslated;
- a value typed by the user is never rewritten, even one that looks like English.

A compiled gettext catalogue would do the same, but argparse uses gettext's default domain,
shared with anything else in the process that calls gettext, and would need a build step.
The replacement is for the whole process (any other argparse parser in it speaks French too)
and hands any string missing from the table to gettext as before.
"""

from __future__ import annotations

import argparse
import gettext
from collections.abc import Iterator
from typing import Any

# argparse's message ids (Python 3.11 to 3.14) and their French wording.
MESSAGES: dict[str, str] = {
    # Help and usage.
    "usage: ": "Utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "subcommands": "commandes",
    "%(heading)s:": "%(heading)s:",  # Python 3.13+; earlier versions hard-code the colon
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    " (default: %(default)s)": " (par défaut : %(default)s)",
    # Errors and warnings the user of the command line sees.
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s : avertissement : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choisir parmi %(choices)s)"
    ),
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)": (
        "choix invalide : %(value)r, vouliez-vous dire %(closest)r ? (choisir parmi %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (choix possibles : %(choices)s)"
    ),
    "the following arguments are required: %s": "les arguments suivants sont obligatoires : %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s attendu) : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "cette option ne prend pas de valeur (%r donné)",
    "unexpected option string: %s": "option inattendue : %s",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    'argument "-" with mode %r': "argument « - » avec le mode %r",
    "option '%(option)s' is deprecated": "l'option « %(option)s » est obsolète",
    "argument '%(argument_name)s' is deprecated": ("l'argument « %(argument_name)s » est obsolète"),
    "command '%(parser_name)s' is deprecated": "la commande « %(parser_name)s » est obsolète",
    # Programming errors, raised while the parser is built: translated so that none is left.
    ".__call__() not defined": ".__call__() non défini",
    "'required' is an invalid argument for positionals": (
        "'required' n'est pas permis pour un argument positionnel"
    ),
    "mutually exclusive arguments must be optional": (
        "des arguments mutuellement exclusifs doivent être facultatifs"
    ),
    "%r is not callable": "%r n'est pas appelable",
    "cannot merge actions - two groups are named %r": (
        "fusion impossible : deux groupes s'appellent %r"
    ),
    "invalid option string %(option)r: must start with a character %(prefix_chars)r": (
        "option invalide %(option)r : doit commencer par un caractère de %(prefix_chars)r"
    ),
    "dest= is required for options like %r": "dest= est obligatoire pour une option comme %r",
    "invalid conflict_resolution value: %r": "valeur de conflict_resolution invalide : %r",
    "cannot have multiple subparser arguments": "un seul groupe de sous-commandes est permis",
    "conflicting subparser: %s": "sous-commande en double : %s",
    "conflicting subparser alias: %s": "alias de sous-commande en double : %s",
}

# ngettext ids (the singular form) and their French singular and plural; in French 0 and 1
# take the singular.
PLURAL_MESSAGES: dict[str, tuple[str, str]] = {
    "expected %s argument": ("%s valeur attendue", "%s valeurs attendues"),
    "conflicting option string: %s": ("option en double : %s", "options en double : %s"),
}


def _translate(message: str) -> str:
    # Python 3.11 and 3.12 also pass the title and description given to add_subparsers,
    # None included: anything not in the table goes to gettext unchanged.
    if message in MESSAGES:
        return MESSAGES[message]
    return gettext.gettext(message)


def _translate_plural(singular: str, plural: str, count: int) -> str:
    if singular in PLURAL_MESSAGES:
        one, many = PLURAL_MESSAGES[singular]
        return one if count <= 1 else many
    return gettext.ngettext(singular, plural, count)


def speak_french() -> None:
    """Make argparse's own messages French (see the module's documentation)."""
    setattr(argparse, "_", _translate)  # noqa: B010 - not declared by argparse's type stubs
    setattr(argparse, "ngettext", _translate_plural)  # noqa: B010


class CaduceeParser(argparse.ArgumentParser):
    """Used for the main parser and, through ``add_subparsers``, for every sub-command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        speak_french()  # before the base class names the "-h" option and the sections
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if kwargs.get("action") == "version":  # before 3.13 its default help is not translatable
            kwargs.setdefault("help", MESSAGES["show program's version number and exit"])
        return super().add_argument(*args, **kwargs)


def command_parsers(root: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``root`` and the parser of every sub-command below it, at any depth, each once."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        parser = pending.pop(0)
        if id(parser) in seen:  # an alias of a sub-command shares its parser
            continue
        seen.add(id(parser))
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())


def add_to_every_command(root: argparse.ArgumentParser, *flags: str, **kwargs: Any) -> None:
    """Add an option to ``root`` and to every sub-command, so that it may follow any of them.

    To be called once all sub-commands exist. Below ``root`` the option has no default
    (``argparse.SUPPRESS``): argparse copies a sub-command's values over those of the
    commands above it, so a value given after a sub-command wins over one given before it,
    and a sub-command where the option is not given leaves the value from above alone.
    """
    root.add_argument(*flags, **kwargs)
    for parser in command_parsers(root):
        if parser is not root:
            parser.add_argument(*flags, **{**kwargs, "default": argparse.SUPPRESS})


def _integer(text: str) -> int:
    return int(text)


# argparse names the expected type in "invalid value" errors by the function's __name__.
_integer.__name__ = "nombre entier"
_FRENCH_TYPES: dict[Any, Any] = {int: _integer}


def name_types_in_french(root: argparse.ArgumentParser) -> None:
    """Let errors say "nombre entier" rather than "int" for ``type=int`` options.

    To be called once all sub-commands exist: walking the built tree also reaches the
    options added through argument groups, which bypass a parser's own ``add_argument``.
    """
    for parser in command_parsers(root):
        for action in parser._actions:
            action.type = _FRENCH_TYPES.get(action.type, action.type)
