"""Serves the AWS emulator (moto) on loopback, one request at a time.

DynamoDB applies every request atomically: a conditional write, a
transaction, an ADD to a counter. moto's own server handles requests on
parallel threads and applies them as separate reads and writes, so two
concurrent transactions can both pass a condition that only one may pass.
Serving one request at a time gives each request the atomicity the real
service has, which is what memnun's exactly-once tests rely on. Each
response closes its connection (HTTP/1.0), so no client holds the server.

moto backs up every table a transaction names, whole, before applying
it, so that it can roll a cancelled transaction back. That makes each
transaction cost as much as the tables it touches hold: a soak of
thousands of events spent two thirds of the emulator's time copying
tables, and its memory grew by hundreds of megabytes a minute. Here a
transaction backs up only the items it names, and a cancelled one puts
exactly those back, which is the same all-or-nothing outcome.

After each answer, werkzeug waits up to 10 ms for request bytes the
application left unread, so that a client that sent too much sees the
answer rather than a reset. moto reads every body whole, so there are
none, and with one request at a time that wait idled the server for
10 ms per request: more than half its time in a soak. Here it only takes
what is already there.

moto answers a query of a table (not of an index) by sorting every item
of the table and keeping those of the asked partition: each query costs as
much as the table holds. Late in a soak that was three quarters of the
emulator's time. Here such a query sees only its partition, which is what
it keeps anyway; queries of an index still go through every item.

Usage: serve.py -H 127.0.0.1 -p PORT
"""

import argparse
import copy
import os
import selectors
import types

import werkzeug.serving

from werkzeug.serving import run_simple

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

_transact_write_items = DynamoDBBackend.transact_write_items


def _items_named(backend, transact_items):
    """Each item a transaction names, as it is before the transaction:
    (table, hash key, range key, a copy of the item or None)."""
    backups = []
    for entry in transact_items:
        try:
            _, op = next(iter(entry.items()))
            table = backend.tables[op["TableName"]]
            key = op["Item"] if "Item" in op else op["Key"]
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = (
                DynamoType(key[table.range_key_attr])
                if table.range_key_attr is not None
                else None
            )
        except (AttributeError, KeyError, StopIteration, TypeError):
            # moto refuses this entry before writing anything under it.
            continue
        current = table.get_item(hash_key, range_key)
        backups.append((table, hash_key, range_key, copy.deepcopy(current)))
    return backups


def _put_back(backups):
    """Restores the items `_items_named` copied, the earliest copy last, so
    an item named twice ends as it was before the transaction."""
    for table, hash_key, range_key, item in reversed(backups):
        if range_key is None:
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
            continue
        bucket = table.items[hash_key]
        if item is None:
            bucket.pop(range_key, None)
        else:
            bucket[range_key] = item
        if not bucket:
            del table.items[hash_key]


def transact_write_items(self, transact_items):
    """moto's TransactWriteItems with item-sized backups instead of whole
    tables: while it runs, copying a table yields the table itself (so its
    own backup and rollback do nothing), and a cancelled transaction puts
    back the items it named."""
    backups = _items_named(self, transact_items)
    Table.__deepcopy__ = lambda table, memo: table
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        _put_back(backups)
        raise
    finally:
        del Table.__deepcopy__


_query = Table.query


def query(self, hash_key, *args, **kwargs):
    """moto's Table.query, over the asked partition alone when it queries
    the table itself: for the call, the table's items are that partition's
    (moto then sorts them by range key, as before)."""
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if index_name or hash_key is None:
        return _query(self, hash_key, *args, **kwargs)
    partition = self.items.get(hash_key)
    if partition is None:
        items = []
    elif self.range_key_attr:
        items = list(partition.values())
    else:
        items = [partition]
    self.all_items = lambda: items
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


class _NoWaitSelector(selectors.DefaultSelector):
    """A selector whose waits do not wait: werkzeug's drain of unread
    request bytes takes what has arrived and moves on."""

    def select(self, timeout=None):
        return super().select(timeout=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    DynamoDBBackend.transact_write_items = transact_write_items
    Table.query = query
    werkzeug.serving.selectors = types.SimpleNamespace(
        DefaultSelector=_NoWaitSelector, EVENT_READ=selectors.EVENT_READ
    )
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        app,
        threaded=False,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
