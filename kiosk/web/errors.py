"""The domain's refusals in the reader's language: one table of texts by error code.

Every domain error carries a `code` (the class's) and the `params` of its case; the text a
person reads is looked up here and translated with the web's catalogue, so a Bulgarian page
never shows the English message. One handler (`domain_error_response`) answers the JSON API;
form pages put `error_text(...)` into the form they show again.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from kiosk.counters import SetupError
from kiosk.i18n import gettext_for
from kiosk.queue import QueueError
from kiosk.register import RegisterError
from kiosk.staff import StaffError
from kiosk.web.deps import language

DOMAIN_ERRORS = (QueueError, SetupError, StaffError, RegisterError)
DomainError = QueueError | SetupError | StaffError | RegisterError


def N_(text: str) -> str:
    """Marks a text for the catalogue; it is translated when shown."""
    return text


TEXTS: dict[str, str] = {
    # the queue
    "closed": N_("Tickets are not issued now."),
    "full": N_("Category {category} has issued all {limit} of today's tickets."),
    "unknown_category": N_("There is no open ticket category {category}."),
    "unknown_counter": N_("There is no counter {counter}."),
    "counter_closed": N_(
        "Counter {counter} is closed. An administrator opens it in Administration."
    ),
    "no_active_ticket": N_("Counter {counter} has no called ticket."),
    "ticket_not_waiting": N_("Ticket {label} is not waiting."),
    "called_not_started": N_("{label} was called but not started. Did the visitor come?"),
    # setting up the centre
    "bad_code": N_("A category's letter is one capital letter, Cyrillic or Latin."),
    "category_exists": N_("Category {code} exists already."),
    "no_category": N_("There is no category {code}."),
    "unknown_categories": N_("There are no categories {codes}."),
    "name_missing": N_("Give the name in Bulgarian and in English."),
    "name_too_long": N_("A name is at most {limit} characters."),
    "bad_counter_number": N_("A counter's number is a whole number from 1 to 99."),
    "counter_exists": N_("Counter {number} exists already."),
    "no_counter": N_("There is no counter {number}."),
    "no_categories": N_("A counter serves at least one ticket category."),
    "category_in_use": N_(
        "Counters {counters} serve only category {code}: give them another first."
    ),
    # staff accounts
    "bad_username": N_("A username is 1–60 letters, digits or dots."),
    "short_password": N_("A password has at least {limit} characters."),
    "clerk_needs_counter": N_("A clerk works at a counter: choose one."),
    "account_exists": N_("The username {username} is taken. Choose another."),
    "confusable_username": N_(
        "The username {username} looks like the existing {other}. Choose another."
    ),
    "no_account": N_("There is no account {username}."),
    "last_admin": N_("{username} is the last active administrator: make another one first."),
    "not_yourself": N_("You cannot deactivate your own account."),
    # the complaint register
    "not_allowed": N_("Your role may not see personal data."),
    "wrong_state": N_("This step does not fit the message's present state."),
    "unknown_message": N_("There is no message with this registration number."),
    "reason_missing": N_("Write the reason."),
    "answer_missing": N_("Write the answer."),
    "deadline_not_later": N_("The final deadline must be after the current due date."),
    "deadline_past": N_("The final deadline must be after today."),
    "deadline_too_late_proposal": N_(
        "For a proposal or signal the final deadline is at most six months after registration"
        " (АПК art. 118): {limit} at the latest."
    ),
    "deadline_too_late_complaint": N_(
        "For a complaint the final deadline is at most two months after registration: {limit}"
        " at the latest."
    ),
}


def error_text(exc: DomainError, language: str) -> str:
    """The person's message for a domain error, in their language."""
    _ = gettext_for(language, "kiosk.web")
    template = TEXTS.get(exc.code)
    if template is None:
        return _("This cannot be done now.")
    return _(template).format(**exc.params)


async def domain_error_response(request: Request, exc: Exception) -> JSONResponse:
    """The API's answer to a refused step: its code, values and translated text (409)."""
    assert isinstance(exc, DOMAIN_ERRORS)
    return JSONResponse(
        {"detail": error_text(exc, language(request)), "code": exc.code, "params": exc.params},
        status_code=409,
    )
