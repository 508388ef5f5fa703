"""The citizens' pages (`kiosk public serve`): the live ticket on a visitor's phone.

A listener of its own, apart from the staff web: its own port, only these routes, no
cookies at all (so no staff session can ride along), strict per-address limits, and no
personal data in any URL or answer — a page is reached by the ticket's unguessable token.
"""
