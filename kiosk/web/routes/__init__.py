"""The web\x27s routers, one per resource."""
