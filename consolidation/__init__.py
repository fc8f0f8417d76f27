"""Consolidation of ministries' HR and finance systems into one central shared-services Odoo."""
