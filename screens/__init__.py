"""The visitor's touchscreen app (Kivy): services, tickets, smileys and messages, locked down."""

#: Every screen, one module and one .kv file each, in the order of a visitor's journey.
SCREENS = (
    "attract",
    "home",
    "categories",
    "services",
    "service",
    "ticket",
    "rating",
    "message",
    "thanks",
    "message_status",
    "appointment",
    "closed",
    "admin",
)
