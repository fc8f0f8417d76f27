"""The kernel: what every stage stands on, and that imports no stage.

The unified schema (``schema``, ``unified``), exact money (``money``), errors (``errors``),
settings (``settings``), boundary types (``types``), the sources config (``sources``), the
store's engine and migrations (``store``, ``bulk``), the raw area (``rawstore``, ``spill``),
the audit writer (``audit``), the Odoo transport (``odoo_rpc``) and process memory
(``memory``). Import-linter's layers contract keeps it at the bottom.
"""
