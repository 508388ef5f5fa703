"""The visitor's touchscreen app (Kivy): services, tickets, smileys and messages, locked down."""
