"""Refusals in the reader's language: one table of texts by error code, and one handler.

Every refusal is a `KioskError` with a class-level `code` and `status` and the `params` of
its case; the text a person reads is looked up here and translated with the web's
catalogue, so a Bulgarian page never shows the English message. `refusal_response`, the
app's one handler, answers the API with JSON and a person with a page; form pages that
show the form again put `error_text(...)` into it.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from kiosk.errors import KioskError
from kiosk.i18n import gettext_for
from kiosk.web.deps import get_web, language, optional_user, render


def N_(text: str) -> str:
    """Marks a text for the catalogue; it is translated when shown."""
    return text


TEXTS: dict[str, str] = {
    # the queue
    "queue_error": N_("This cannot be done in the queue now."),
    "closed": N_("Tickets are not issued now."),
    "full": N_("Category {category} has issued all {limit} of today's tickets."),
    "unknown_category": N_("There is no open ticket category {category}."),
    "unknown_counter": N_("There is no counter {counter}."),
    "counter_closed": N_(
        "Counter {counter} is closed. Its clerk reopens it on the panel, an administrator in"
        " Administration."
    ),
    "no_active_ticket": N_("Counter {counter} has no called ticket."),
    "ticket_not_waiting": N_("Ticket {label} is not waiting."),
    "unknown_ticket": N_("No ticket has this link."),
    "called_not_started": N_("{label} was called but not started. Did the visitor come?"),
    "no_transfer_target": N_("Send the ticket either to a category or to a counter."),
    # setting up the centre
    "setup_error": N_("This change to the centre's set-up cannot be saved."),
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
    "counter_busy": N_(
        "{label} is still at the counter: finish it first (Done, No-show or Transfer), then"
        " close the counter."
    ),
    "not_your_counter": N_(
        "You open and close only your own counter; counter {number} is an administrator's to"
        " open or close."
    ),
    # staff accounts
    "staff_error": N_("This change to the account cannot be saved."),
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
    "role_not_here": N_("This staff web does not give the role {role}."),
    # the complaint register
    "register_error": N_("The register cannot take this step."),
    "not_allowed": N_("Your role may not see personal data."),
    "wrong_state": N_("This step does not fit the message's present state."),
    "unknown_message": N_("There is no message with this registration number."),
    "handled_at_centre": N_(
        "The centre handles this site's messages: the steps are taken in the centre's register; "
        "here you can only read them."
    ),
    "handled_at_site": N_(
        "This site handles its own messages: the steps are taken in the site's register; "
        "the centre's register only reads them."
    ),
    "handover_pending": N_(
        "The site has not synced since its cases were last handed over, so it may still take a "
        "step itself. Wait for its sync, or take its cases over on the page Who handles."
    ),
    "takeover_not_confirmed": N_(
        "Tick the box to confirm that the centre takes the site's cases without its sync."
    ),
    "no_letter": N_(
        "There is no letter to write yet: the message has no such answer or extension."
    ),
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
    "status_check_wrong": N_("No message has this registration number with this check code."),
    "status_check_paused": N_(
        "Too many wrong checks on this kiosk: wait a few minutes and try again."
    ),
    # a visitor's message and the text of any record
    "message_invalid": N_("The message cannot be registered as it is: check its fields."),
    "text_control_character": N_(
        "The text contains a control character (such as NUL) that cannot be stored. "
        "Remove it and send again."
    ),
    # a scanned letter attached to a message staff register
    "attachment_error": N_("The scanned letter cannot be attached."),
    "attachment_empty": N_("The chosen file is empty. Choose the scanned letter again."),
    "attachment_too_large": N_(
        "The file is larger than {limit}. Scan it at a lower resolution or in black and white"
        " and choose it again."
    ),
    "attachment_type": N_(
        "The file is not a PDF, JPEG or PNG (its contents were checked, not its name)."
        " Choose the scanned letter again."
    ),
    "attachment_not_allowed": N_("Your role may not open a scanned letter."),
    "unknown_attachment": N_(
        "There is no such scanned letter: it may have been erased after the retention period."
    ),
    "not_handled_at_centre": N_(
        "The centre registers messages only for a site whose cases it handles."
    ),
    # the configuration file
    # reports
    "bad_period": N_(
        "A report period is a year (2026), a quarter (2026-Q3), a month (2026-09) or a day"
        " (2026-09-14)."
    ),
    "period_out_of_range": N_("Reports cover the years {first} to {last}."),
    "config": N_("A setting in kiosk.toml has a value that cannot be used: tell the IT person."),
    # the service catalogue and the site's database
    "catalog_invalid": N_("The service catalogue has errors: the catalogue in use stays."),
    "write_busy": N_("Another change is being saved. Try again in a moment."),
    "schema_mismatch": N_(
        "The database is not at the version this program expects: tell the IT person."
    ),
    "database_damaged": N_("The database file is damaged: tell the IT person."),
    "storage_failed": N_(
        "Nothing could be saved: the kiosk's disk is full or cannot be written. Tell the IT person."
    ),
    # backups of the site database
    "backup_error": N_("The backup cannot be made or restored: tell the IT person."),
    "backup_postgresql": N_("This site's database is backed up with pg_dump, not by the kiosk."),
    "backup_no_space": N_("Not enough free space in {where}: {needed} needed, {free} free."),
    "backup_busy": N_("Another backup is being made. Try again when it has finished."),
    "backup_damaged": N_("The backup copy is damaged: choose another."),
    "backup_too_new": N_("The backup copy was made by a newer version of the program."),
    "database_in_use": N_("The database is in use: stop the kiosk and the staff web first."),
    "no_backup": N_("There is no backup copy to restore."),
    # the central database
    "central_not_configured": N_("This site has no central database set: sync is off."),
    "central_schema_mismatch": N_(
        "The central database is not at the version this program expects: tell the IT person."
    ),
    "sync_refused": N_("The central database refused the site's records: tell the IT person."),
    "sync_conflict": N_(
        "The central database holds another record under the same key: tell the IT person."
    ),
    "sync_mismatch": N_("The centre's copy of the site's records differs: they are sent again."),
    "snapshot_rejected": N_(
        "The central service catalogue was refused: the catalogue in use stays."
    ),
    "sync_busy": N_("Another sync is running. Try again when it has finished."),
    "sync_interval_refused": N_(
        "A site syncs in the day every {choices} minutes, or only at night; choose one of these "
        "for a site on the list."
    ),
    # the ticket printer's set-up
    "printer_not_found": N_(
        "No ticket printer was found: check that it is switched on and its cable is plugged in."
    ),
    "sync_clock_ahead": N_(
        "This computer's clock is ahead of the central server's: nothing was sent. "
        "Set the clock right and sync again."
    ),
    # appointments: the secretary's rules, the citizens' bookings, check-in at the kiosk
    "rule_refused": N_("This appointment rule cannot be saved: see the fields marked."),
    "no_rule": N_("There is no such appointment rule."),
    "unknown_booking": N_("This link names no booking. Check the address you were given."),
    "not_bookable": N_("This is not offered for booking. Start again from the list of services."),
    "slot_taken": N_("Someone else has just taken this time. Please choose another one."),
    "booking_closed": N_("This booking is cancelled or its time has passed: it cannot be changed."),
    "contact_limit": N_(
        "This phone number or e-mail address already holds as many bookings as one person may."
    ),
    "address_limit": N_("Too many bookings were made from this connection today."),
    "day_limit": N_("No more bookings are taken today."),
    "mail_failed": N_("The e-mail could not be sent; the booking stands."),
    "check_in_refused": N_("This booking code gives no ticket now."),
    "check_in_unknown": N_("No booking has this code."),
    "check_in_paused": N_("Too many wrong codes on this terminal: check-in is paused for a while."),
    "check_in_cancelled": N_("This booking was cancelled."),
    "check_in_other_day": N_("This booking is for another day."),
    "check_in_too_early": N_("It is too early to check in for this booking."),
    "check_in_used": N_("The ticket of this booking has already been called."),
    "register_prefix_taken": N_("Another site numbers its messages with this prefix."),
}


def error_text(exc: KioskError, language: str) -> str:
    """The person's message for a refusal, in their language."""
    _ = gettext_for(language, "kiosk.web")
    template = TEXTS.get(exc.code)
    if template is None:
        return _("This cannot be done now.")
    return _(template).format(**exc.params)


async def refusal_response(request: Request, exc: Exception) -> Response:
    """The answer to a refusal, with its class's status: JSON for the API (its code, values
    and text), a page for a person, with a way back to the form they sent."""
    assert isinstance(exc, KioskError)
    text = error_text(exc, language(request))
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"detail": text, "code": exc.code, "params": jsonable_encoder(exc.params)},
            status_code=exc.status,
        )
    # back to the form, kept (a browser's back): only a page of this server
    referer = request.headers.get("referer", "")
    back = referer if referer.startswith(str(request.base_url)) else "/"
    return render(
        request,
        "refused.html",
        user=optional_user(request, get_web(request)),
        message=text,
        back=back,
        status_code=exc.status,
    )
