"""Querysets compiled once per process, then run with new values.

The ORM compiles a queryset's SQL every time it runs. For the few statements every customer
message or bot turn runs, that compiling cost more Python than the database's round trip
(about 1 ms a statement on a 2-core machine; docs/benchmarks.md, issue 19). A `Prepared`
keeps the ORM's own statement for this process's database. It builds rows the way the ORM
builds them: each column's converters, `from_db`, `select_related` and annotations.

    by_id = Prepared(lambda pk: Message.objects.select_related("conversation").filter(pk=pk), pk=int)
    message = by_id.first(pk=42)

The builder is called once, with marker values in place of the parameters. Each marker must
reach the SQL's parameters unchanged, as a filter's or `RawSQL`'s value does. A marker the
statement does not carry, or one it transformed, is refused when the statement is compiled.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Marker values: distinct, and unlike anything a real statement carries.
_INT_MARKER = -(2**62)
_KINDS = (int, str, uuid.UUID)


def _marker(kind: type, position: int) -> Any:
    if kind is int:
        return _INT_MARKER - position
    if kind is str:
        return f"\x1fprepared-{position}\x1f"
    return uuid.UUID(int=(2**127) + position)


@dataclass(frozen=True)
class _Compiled:
    vendor: str
    sql: str
    # Each parameter: (None, the constant) or (the argument's name, how it is passed: a word,
    # or the driver's wrapper type).
    slots: tuple[tuple[str | None, Any], ...]
    annotation_col_map: dict
    converters: dict  # column -> (its converters, its expression)
    model: type[Model]
    fields: slice  # the model's own columns
    names: list[str]  # their attributes
    populators: list  # the select_related objects' builders


class Prepared:
    """One queryset shape, compiled once per database vendor and process."""

    def __init__(self, build: Callable[..., QuerySet], **arguments: type) -> None:
        for name, kind in arguments.items():
            if kind not in _KINDS:
                raise TypeError(f"{name}: a prepared argument is an int, a str or a UUID, not {kind.__name__}")
        self._build = build
        self._arguments = arguments
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def all(self, **values: Any) -> list[Model]:
        """The rows for these values, as model instances."""
        compiled = self._statement()
        params = [self._value(slot, values) for slot in compiled.slots]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return [self._instance(compiled, self._converted(compiled, row)) for row in rows]

    def first(self, **values: Any) -> Model | None:
        rows = self.all(**values)
        return rows[0] if rows else None

    # Compiling.

    def _statement(self) -> _Compiled:
        compiled = self._compiled
        if compiled is not None and compiled.vendor == connection.vendor:
            return compiled
        with self._lock:
            if self._compiled is None or self._compiled.vendor != connection.vendor:
                self._compiled = self._compile()
            return self._compiled

    def _compile(self) -> _Compiled:
        markers = {name: _marker(kind, i) for i, (name, kind) in enumerate(self._arguments.items())}
        queryset = self._build(**markers)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots: list[tuple[str | None, Any]] = []
        found = set()
        for param in params:
            slot = self._slot_for(param, markers)
            if slot is None:
                slots.append((None, param))
            else:
                slots.append(slot)
                found.add(slot[0])
        missing = sorted(set(markers) - found)
        if missing:
            raise ValueError(f"the prepared statement does not carry the argument {missing[0]!r} unchanged")
        expressions = [column[0] for column in compiler.select[: compiler.col_count]]
        # What the ORM's ModelIterable reads off the compiler for each run, read once.
        info, select = compiler.klass_info, compiler.select
        fields = slice(info["select_fields"][0], info["select_fields"][-1] + 1)
        return _Compiled(
            vendor=connection.vendor,
            sql=sql,
            slots=tuple(slots),
            annotation_col_map=compiler.annotation_col_map or {},
            converters=compiler.get_converters(expressions),
            model=info["model"],
            fields=fields,
            names=[column[0].target.attname for column in select[fields]],
            populators=get_related_populators(info, select, connection.alias),
        )

    @staticmethod
    def _slot_for(param: Any, markers: dict[str, Any]) -> tuple[str, Any] | None:
        for name, marker in markers.items():
            if isinstance(marker, uuid.UUID):
                if param == marker:
                    return (name, "uuid")
                if param == marker.hex:
                    return (name, "hex")
            elif type(param) is type(marker) and param == marker:
                return (name, "as is")
            elif param == json.dumps(marker):
                return (name, "json")  # a JSON key's value (`data__in_reply_to=`) on SQLite
            elif type(getattr(param, "obj", None)) is type(marker) and param.obj == marker:
                return (name, type(param))  # the same, wrapped by the driver (psycopg's Jsonb)
        return None

    # Running.

    @staticmethod
    def _value(slot: tuple[str | None, Any], values: dict[str, Any]) -> Any:
        name, how = slot
        if name is None:
            return how  # a constant of the statement
        value = values[name]
        if how == "uuid":
            return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        if how == "hex":
            return (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).hex
        if how == "json":
            return json.dumps(value)
        if isinstance(how, type):
            return how(value)
        return value

    @staticmethod
    def _converted(compiled: _Compiled, row: tuple) -> list:
        values = list(row)
        for position, (converters, expression) in compiled.converters.items():
            value = values[position]
            for convert in converters:
                value = convert(value, expression, connection)
            values[position] = value
        return values

    @staticmethod
    def _instance(compiled: _Compiled, row: list) -> Model:
        # As the ORM's ModelIterable builds each row.
        instance = compiled.model.from_db(connection.alias, compiled.names, row[compiled.fields])
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.annotation_col_map.items():
            setattr(instance, name, row[position])
        return instance


_UPDATES: dict[tuple[str, tuple[str, ...], str], str] = {}


def row_update(instance: Model, fields: Sequence[str]) -> bool:
    """UPDATE `fields` of the instance's row as `save(update_fields=fields)` writes them (each
    field's `pre_save`, then its database value), from a statement built once per process
    instead of one the ORM compiles for each save. Sends no signals (the desk has none). False
    when no row has the instance's key."""
    meta = instance._meta
    targets = [meta.get_field(name) for name in fields]
    key = (meta.label, tuple(fields), connection.vendor)
    sql = _UPDATES.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(field.column)} = %s" for field in targets)
        sql = _UPDATES[key] = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in targets]
    params.append(meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0


_INSERTS: dict[tuple[str, str], tuple[str, list]] = {}


def row_insert(instance: Model) -> None:
    """INSERT a new instance with a database-made key as `save(force_insert=True)` does (each
    field's `pre_save`, then its database value; the key set on the instance) from a statement
    built once per process. A refused row raises IntegrityError, as save does."""
    meta = instance._meta
    if meta.auto_field is None or instance.pk is not None:
        raise ValueError("row_insert writes new rows whose key the database makes")
    key = (meta.label, connection.vendor)
    built = _INSERTS.get(key)
    if built is None:
        quote = connection.ops.quote_name
        fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(meta.pk.column)}"
        built = _INSERTS[key] = (sql, fields)
    sql, fields = built
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.features.can_return_columns_from_insert:
            instance.pk = cursor.fetchone()[0]
        else:
            instance.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    instance._state.adding = False
    instance._state.db = connection.alias
