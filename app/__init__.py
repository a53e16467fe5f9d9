"""Caducée: a desktop mail client for French health professionals on MSSanté."""

__version__ = "0.1.0"
APP_NAME = "Caducée"
