"""The administration's own staff web on the central PostgreSQL (`kiosk central serve`).

It is a staff web as a site's is (kiosk/web/): the same sign-in, server-side sessions, sign-in
limit, CSRF, error pages and base template, made by `kiosk.web.app.staff_web_app`; its pages
read every site's records through the `kiosk_centre` role (sync/schema.py).
"""
