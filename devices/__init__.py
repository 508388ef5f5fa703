"""Hardware of the kiosk: the thermal ticket printer (python-escpos) and the announcer."""
