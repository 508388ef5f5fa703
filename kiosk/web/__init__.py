"""The staff web: the clerks' counter panel, the lobby board and the admin pages."""
