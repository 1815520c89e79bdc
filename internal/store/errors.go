package store

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// mapError turns a driver error into a crm error by its code: SQLite's
// extended result codes, PostgreSQL's SQLSTATE. Errors without a known code
// pass through (and become 500s at the edge).
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return crm.E("store", crm.KindNotFound, "not_found").Because(err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return crm.E("store", crm.KindConflict, "duplicate").Because(err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return crm.E("store", crm.KindInvalid, "invalid_reference").Because(err)
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return crm.E("store", crm.KindInvalid, "constraint_violated").Because(err)
		case sqlite3.SQLITE_TOOBIG:
			return crm.E("store", crm.KindTooLarge, "too_large").Because(err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return crm.E("store", crm.KindConflict, "duplicate").Because(err)
		case "23503": // foreign_key_violation
			return crm.E("store", crm.KindInvalid, "invalid_reference").Because(err)
		case "23514", "23502": // check_violation, not_null_violation
			return crm.E("store", crm.KindInvalid, "constraint_violated").Because(err)
		case "54000": // program_limit_exceeded (e.g. a tsvector too long)
			return crm.E("store", crm.KindTooLarge, "too_large").Because(err)
		case "53200", "53300", "40P01": // out of shared memory (locks), too many connections, deadlock
			// Transient: the same request can succeed a moment later.
			return crm.E("store", crm.KindUnavailable, "database_busy").Because(err)
		case "22021", "22P05": // character_not_in_repertoire (NUL, invalid UTF-8), untranslatable_character
			// Input is checked before it gets here (crm.ValidText); this
			// keeps anything missed a client error rather than a 500.
			return crm.E("store", crm.KindInvalid, crm.CodeInvalidText).Because(err)
		}
	}
	return err
}

// notFound makes the NotFound error of a record.
func notFound(what string, id any) error {
	return crm.NotFound("store", what, id)
}
