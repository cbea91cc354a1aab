"""Django's PostgreSQL backend, with server-side cursors only inside a transaction.

`.iterator()` reads through a server-side cursor; outside a transaction Django declares it
WITH HOLD, so that it outlives the statement's implicit transaction. Behind PgBouncer in
transaction mode the next FETCH may then reach another server connection, where the cursor
does not exist (and the one that has it keeps it). Django's own forms read every
ModelChoiceField's options so, on any page with such a select.

Here a cursor asked for outside a transaction is a plain one (the rows come in one
answer, as with DISABLE_SERVER_SIDE_CURSORS: fine for a form's options); inside one it is
a server-side cursor WITHOUT HOLD, which streams and lives exactly as long as the
transaction on its one server connection. The long streams (research exports, the audit
trail's CSV) run in a transaction of their own; the suite checks that they do
(tests/conftest.py, _streams_in_a_transaction)."""

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def chunked_cursor(self):
        if self.in_atomic_block:
            return super().chunked_cursor()
        return self.cursor()
