"""What the database's public schema holds, read from pg_catalog, as ``{object: definition}``.

Tables (columns with type, nullability, default and identity), indexes, constraints, functions and triggers,
each as PostgreSQL itself prints it (``pg_get_functiondef``, ``pg_get_triggerdef``, ``pg_get_indexdef``,
``pg_get_constraintdef``): two databases built by the same migrations give the same mapping, and a migration
whose SQL changed gives a different one."""

from __future__ import annotations

from typing import Any

CATALOG_QUERIES = {
    "table": """
        SELECT c.relname, c.relkind::text || c.relpersistence::text || ': ' || string_agg(
                   format('%s %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                          CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                          CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END,
                          COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')),
                   ', ' ORDER BY a.attnum)
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef AS d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relkind IN ('r', 'p', 'v', 'm')
        GROUP BY c.relname, c.relkind, c.relpersistence""",
    "index": """
        SELECT c.relname, pg_get_indexdef(c.oid)
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = 'public'
        WHERE c.relkind IN ('i', 'I')""",
    "constraint": """
        SELECT t.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint AS k
        JOIN pg_class AS t ON t.oid = k.conrelid
        JOIN pg_namespace AS n ON n.oid = t.relnamespace AND n.nspname = 'public'""",
    "function": """
        SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid)
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace AND n.nspname = 'public'
        WHERE p.prokind IN ('f', 'p')""",
    "trigger": """
        SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger AS t
        JOIN pg_class AS c ON c.oid = t.tgrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = 'public'
        WHERE NOT t.tgisinternal""",
}


def catalog(cursor: Any) -> dict[str, str]:
    """Every table, index, constraint, function and trigger of the public schema, keyed ``kind:name``."""
    found: dict[str, str] = {}
    for kind, query in CATALOG_QUERIES.items():
        cursor.execute(query)
        found.update({f"{kind}:{name}": definition for name, definition in cursor.fetchall()})
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> dict[str, str | None]:
    """What a migration did: each object it created or changed with its new definition, each dropped as None."""
    changed: dict[str, str | None] = {key: value for key, value in after.items() if before.get(key) != value}
    changed.update({key: None for key in before if key not in after})
    return dict(sorted(changed.items()))
