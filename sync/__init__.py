"""Nightly sync of a site's records to the municipality's central PostgreSQL, and of the
central service catalogue back to the site."""
