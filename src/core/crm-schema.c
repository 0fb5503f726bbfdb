/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-schema.c — entity descriptors and the numbered migrations of the replica. */
#define G_LOG_DOMAIN "voronka-schema"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-schema.h"
#include "crm-clock-words-private.h"
#include "crm-error-private.h"
#include "crm-store-private.h"
#include "crm-store.h"
#include "crm-uuid.h"

#define T(n) { n, CRM_COLUMN_TEXT }
#define I(n) { n, CRM_COLUMN_INT }
#define B(n) { n, CRM_COLUMN_BOOL }
#define J(n) { n, CRM_COLUMN_JSON }
#define END  { NULL, 0 }

static const CrmColumn user_columns[] = { T ("name"), T ("role"), T ("grp"), END };
static const CrmColumn pipeline_columns[] = { T ("name"), I ("position"), END };
static const CrmColumn stage_columns[] = {
  T ("pipeline"), T ("name"), T ("kind"), I ("position"), END
};
static const CrmColumn deal_columns[] = {
  I ("number"), T ("title"), T ("pipeline"), T ("stage"), I ("amount"), T ("currency"),
  T ("responsible"), T ("company"), T ("loss_reason"), T ("source"), I ("created_at"),
  I ("stage_entered_at"), END
};
static const CrmColumn contact_columns[] = {
  T ("name"), J ("phones"), J ("emails"), T ("company"), T ("responsible"), I ("created_at"), END
};
static const CrmColumn company_columns[] = {
  T ("name"), T ("inn"), T ("responsible"), I ("created_at"), END
};
static const CrmColumn tag_columns[] = { T ("name"), T ("grp"), END };
static const CrmColumn deal_tag_columns[] = { T ("deal"), T ("tag"), B ("present"), END };
static const CrmColumn deal_contact_columns[] = { T ("deal"), T ("contact"), B ("present"), END };
static const CrmColumn company_link_columns[] = { T ("company"), T ("other"), B ("present"), END };
static const CrmColumn contact_company_columns[] = {
  T ("contact"), T ("company"), B ("present"), END
};
static const CrmColumn task_columns[] = {
  T ("deal"), T ("contact"), T ("text"), T ("type"), I ("due"), T ("responsible"), B ("done"),
  T ("result"), J ("checklist"), I ("done_at"), I ("created_at"), END
};
static const CrmColumn note_columns[] = {
  T ("entity"), T ("entity_id"), T ("text"), T ("author"), I ("created_at"), END
};
static const CrmColumn field_columns[] = {
  T ("entity"), T ("key"), T ("label"), T ("type"), J ("choices"), J ("required_stages"),
  I ("position"), B ("hidden"), END
};
static const CrmColumn loss_reason_columns[] = {
  T ("pipeline"), T ("name"), I ("position"), END
};
static const CrmColumn rule_columns[] = {
  T ("name"), J ("definition"), B ("enabled"), I ("position"), END
};
static const CrmColumn approval_columns[] = {
  T ("kind"), T ("entity"), T ("entity_id"), T ("status"), T ("requested_by"),
  T ("approver"), T ("comment"), I ("created_at"), END
};
static const CrmColumn payer_columns[] = { T ("name"), T ("inn"), END };
static const CrmColumn attachment_columns[] = {
  T ("entity"), T ("entity_id"), T ("name"), T ("hash"), I ("size"), T ("mime"),
  I ("created_at"), END
};
static const CrmColumn message_columns[] = {
  T ("channel"), T ("recipient"), T ("text"), T ("deal"), T ("status"), I ("created_at"), END
};
static const CrmColumn message_template_columns[] = {
  T ("name"), T ("channel"), T ("subject"), T ("body"), I ("created_at"), END
};
/* A phone call (issue 18, telephony): written by voronka-server from the PBX's events. */
static const CrmColumn call_columns[] = {
  T ("direction"), T ("from"), T ("to"), I ("started_at"), I ("answered_at"),
  T ("answered_by"), I ("duration"), T ("status"), T ("recording_url"), T ("contact"),
  T ("deal"), T ("external_id"), T ("reason"), T ("missed_to"), I ("ended_at"), J ("ring"),
  J ("events"), END
};
static const CrmColumn notification_columns[] = {
  T ("user"), T ("text"), T ("deal"), B ("read"), I ("created_at"), END
};

static const CrmColumn saved_list_columns[] = {
  T ("name"), T ("entity"), T ("filter"), T ("author"), I ("created_at"), END
};
static const CrmColumn rfm_segment_columns[] = {
  T ("key"), T ("name"), I ("position"), I ("recency_min"), I ("recency_max"),
  I ("frequency_min"), I ("frequency_max"), I ("monetary_min"), I ("monetary_max"), END
};
/* work schedules (S2-7, crm-schedule.c) */
static const CrmColumn schedule_columns[] = { T ("user"), J ("week"), END };
static const CrmColumn schedule_exception_columns[] = {
  T ("user"), T ("kind"), T ("from_date"), T ("to_date"), J ("hours"), T ("reason"),
  I ("created_at"), END
};
static const CrmColumn account_setting_columns[] = { T ("key"), T ("value"), END };
/* Account-wide settings that sync (issue 16: the approval thresholds): one entity per
 * key, its id derived from the key, its value any JSON. Admins write them. */
static const CrmColumn setting_columns[] = { T ("key"), J ("value"), END };
/* Roles as data (issue 20, crm-rights.h): a built-in role's key or null, its rights. */
static const CrmColumn role_columns[] = { T ("name"), T ("key"), J ("rights"), END };

static const CrmEntityType entity_types[] = {
  { "user", user_columns },
  { "pipeline", pipeline_columns },
  { "stage", stage_columns },
  { "deal", deal_columns },
  { "contact", contact_columns },
  { "company", company_columns },
  { "tag", tag_columns },
  { "deal_tag", deal_tag_columns },
  { "deal_contact", deal_contact_columns },
  { "company_link", company_link_columns },
  { "task", task_columns },
  { "note", note_columns },
  { "field", field_columns },
  { "loss_reason", loss_reason_columns },
  { "rule", rule_columns },
  { "approval", approval_columns },
  { "payer", payer_columns },
  { "attachment", attachment_columns },
  { "message", message_columns },
  { "notification", notification_columns },
  { "message_template", message_template_columns },
  { "contact_company", contact_company_columns },
  { "saved_list", saved_list_columns },
  { "rfm_segment", rfm_segment_columns },
  { "call", call_columns },
  { "schedule", schedule_columns },
  { "schedule_exception", schedule_exception_columns },
  { "account_setting", account_setting_columns },
  { "setting", setting_columns },
  { "role", role_columns },
};

static const CrmEntityType *const *
build_type_list (void)
{
  static const CrmEntityType *list[G_N_ELEMENTS (entity_types) + 1];
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < G_N_ELEMENTS (entity_types); i++)
        list[i] = &entity_types[i];
      list[G_N_ELEMENTS (entity_types)] = NULL;
      g_once_init_leave (&once, 1);
    }
  return list;
}

const CrmEntityType *const *
crm_schema_types (void)
{
  return build_type_list ();
}

const CrmEntityType *
crm_schema_lookup (const char *entity)
{
  if (entity == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (entity_types); i++)
    if (g_str_equal (entity_types[i].name, entity))
      return &entity_types[i];
  return NULL;
}

const CrmColumn *
crm_entity_type_column (const CrmEntityType *type,
                        const char          *field)
{
  for (const CrmColumn *c = type->columns; c->name != NULL; c++)
    if (g_str_equal (c->name, field))
      return c;
  return NULL;
}

static const char *
column_sql_type (CrmColumnKind kind)
{
  switch (kind)
    {
    case CRM_COLUMN_INT:
    case CRM_COLUMN_BOOL:
      return "INTEGER";
    case CRM_COLUMN_TEXT:
    case CRM_COLUMN_JSON:
    default:
      return "TEXT";
    }
}

static gboolean
exec (sqlite3     *db,
      const char  *sql,
      GError     **error)
{
  char *msg = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK && _crm_sqlite_error_code (rc) != CRM_STORE_ERROR_FAILED &&
      _crm_sqlite_error_code (rc) != CRM_STORE_ERROR_DATABASE_CORRUPT)
    {
      /* disk full, locked, read-only…: the file is fine, say what stopped the update */
      _crm_sqlite_set_error (error, db, rc, NULL, "updating its schema");
      sqlite3_free (msg);
      return FALSE;
    }
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT,
                   _("Could not update the replica's schema (%s); the file was left as it "
                     "was. Keep a copy of it; if it syncs with a server, signing in on a new "
                     "replica brings the account back"), msg ? msg : "unknown error");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Migration 1: every entity table of DESIGN.md's data model, the changelog, the
 * derived search table and local-only bookkeeping (meta, conflicts). */
static void
append_create_table (GString             *sql,
                     const CrmEntityType *type,
                     gboolean             if_not_exists)
{
  g_string_append_printf (sql, "CREATE TABLE %s\"%s\" (id TEXT PRIMARY KEY NOT NULL",
                          if_not_exists ? "IF NOT EXISTS " : "", type->name);
  for (const CrmColumn *c = type->columns; c->name != NULL; c++)
    g_string_append_printf (sql, ", \"%s\" %s", c->name, column_sql_type (c->kind));
  g_string_append (sql, ", deleted INTEGER NOT NULL DEFAULT 0"
                        ", data TEXT NOT NULL DEFAULT '{}'"
                        ", clocks TEXT NOT NULL DEFAULT '{}'"
                        ", hlc INTEGER NOT NULL DEFAULT 0);\n");
}

static gboolean
migrate_to_1 (sqlite3  *db,
              GError  **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (entity_types); i++)
    append_create_table (sql, &entity_types[i], FALSE);

  g_string_append (sql,
    /* entity types from newer versions: kept, merged and sent on, never shown */
    "CREATE TABLE other_entity (entity TEXT NOT NULL, id TEXT NOT NULL,"
    " data TEXT NOT NULL DEFAULT '{}', clocks TEXT NOT NULL DEFAULT '{}',"
    " hlc INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (entity, id));\n"
    "CREATE TABLE changelog (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " op_id TEXT NOT NULL UNIQUE, hlc INTEGER NOT NULL, device TEXT NOT NULL,"
    " entity TEXT NOT NULL, entity_id TEXT NOT NULL, fields TEXT NOT NULL,"
    " cause TEXT, rule TEXT, actor TEXT, local INTEGER NOT NULL DEFAULT 1,"
    " pushed INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE INDEX changelog_entity ON changelog (entity_id);\n"
    "CREATE INDEX changelog_outbox ON changelog (local, pushed);\n"
    "CREATE INDEX changelog_rule ON changelog (rule, cause) WHERE rule IS NOT NULL;\n"
    "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);\n"
    "CREATE TABLE conflict (id INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL,"
    " entity_id TEXT NOT NULL, field TEXT NOT NULL, local_value TEXT, remote_value TEXT,"
    " local_hlc INTEGER, remote_hlc INTEGER, remote_device TEXT, remote_actor TEXT,"
    " created_at INTEGER NOT NULL, seen INTEGER NOT NULL DEFAULT 0);\n"
    /* position: the word's place in the name (0 = surname), 100 for phone digits */
    "CREATE TABLE contact_token (token TEXT NOT NULL, contact TEXT NOT NULL,"
    " position INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (token, contact)) WITHOUT ROWID;\n"
    "CREATE INDEX contact_token_contact ON contact_token (contact);\n"
    "CREATE INDEX stage_pipeline ON stage (pipeline, position);\n"
    "CREATE INDEX deal_stage ON deal (stage, hlc);\n"
    "CREATE INDEX deal_pipeline ON deal (pipeline, hlc);\n"
    "CREATE INDEX deal_tag_tag ON deal_tag (tag, deal) WHERE present = 1;\n"
    "CREATE INDEX deal_tag_deal ON deal_tag (deal) WHERE present = 1;\n"
    "CREATE INDEX deal_contact_deal ON deal_contact (deal) WHERE present = 1;\n"
    "CREATE INDEX deal_contact_contact ON deal_contact (contact) WHERE present = 1;\n"
    "CREATE INDEX task_deal ON task (deal, done);\n"
    "CREATE INDEX task_responsible ON task (responsible, done, due);\n"
    "CREATE INDEX contact_name ON contact (name);\n"
    "CREATE INDEX loss_reason_pipeline ON loss_reason (pipeline, position);\n");

  return exec (db, sql->str, error);
}

/* Migration 2 (issue 8, the large account): what keeps lists, the board and search
 * instant with 100 000 contacts and 200 000 deals.
 *
 * - deal_board: a stage's deals newest first, with the amount, so crm_query_board()
 *   reads the first cards and the count and sum of a column from one index range.
 * - deal_recent: every deal newest first, for lists a filter thins out (a brand tag):
 *   walk the newest deals and stop at the first page.
 * - deal_live, deal_tag_live: "is this deal live", "the live deals with this tag", from
 *   the index alone, so a tag's total is counted without reading deal rows.
 * - contact_prefix: the first one, two and three letters of every word of a contact's
 *   name (the derived contact_token words), one row per contact and prefix, with the
 *   rank (0: the surname starts so) and the name: a search by the first letters
 *   counts its matches and reads its first page, surnames first and by name, from one
 *   index range instead of sorting every match. Triggers keep it in step with
 *   contact_token, which the store rewrites (all words of a contact, deleted then
 *   inserted) whenever a name changes; phone digits (position 100) are not prefixed.
 * - deal_stage_total: each stage's number of live deals and sum of their amounts, kept
 *   by triggers on deal, so a board column's header costs one row whatever the size of
 *   the stage.
 * - deal_tag_total: each tag's number of live deals (a live link to a live deal),
 *   kept by triggers on deal_tag and deal, so the brand filter's total is one row.
 * All of them skip deleted rows, as every query does. */
/* The totals of migration 2 from the rows (also crm_schema_append_totals_fill()). */
#define DEAL_STAGE_TOTAL_FILL \
  "INSERT INTO deal_stage_total SELECT stage, count (*), coalesce (sum (amount), 0) FROM deal" \
  " WHERE deleted = 0 AND stage IS NOT NULL GROUP BY stage;\n"
#define DEAL_TAG_TOTAL_FILL \
  "INSERT INTO deal_tag_total SELECT dt.tag, count (*) FROM deal_tag dt" \
  " JOIN deal d ON d.id = dt.deal AND d.deleted = 0" \
  " WHERE dt.present = 1 AND dt.deleted = 0 AND dt.tag IS NOT NULL GROUP BY dt.tag;\n"

static gboolean
migrate_to_2 (sqlite3  *db,
              GError  **error)
{
  return exec (db,
    "CREATE INDEX deal_board ON deal (stage, created_at, id, amount) WHERE deleted = 0;\n"
    "CREATE INDEX deal_recent ON deal (created_at, id) WHERE deleted = 0;\n"
    "CREATE INDEX deal_live ON deal (id) WHERE deleted = 0;\n"
    "CREATE INDEX deal_tag_live ON deal_tag (tag, deal) WHERE present = 1 AND deleted = 0;\n"
    "CREATE TABLE contact_prefix (prefix TEXT NOT NULL, contact TEXT NOT NULL,"
    " rank INTEGER NOT NULL, name TEXT, PRIMARY KEY (prefix, contact)) WITHOUT ROWID;\n"
    "CREATE INDEX contact_prefix_page ON contact_prefix (prefix, rank, name, contact);\n"
    "CREATE TRIGGER contact_prefix_add AFTER INSERT ON contact_token"
    " WHEN NEW.position < 100 BEGIN"
    "  INSERT INTO contact_prefix (prefix, contact, rank, name)"
    "   SELECT substr (NEW.token, 1, n.length), NEW.contact, NEW.position != 0, c.name"
    "   FROM (SELECT 1 AS length UNION ALL SELECT 2 UNION ALL SELECT 3) n, contact c"
    "   WHERE c.id = NEW.contact AND n.length <= length (NEW.token)"
    "  ON CONFLICT (prefix, contact) DO UPDATE SET rank = min (rank, excluded.rank);"
    " END;\n"
    /* the store deletes all words of a contact before writing them again */
    "CREATE TRIGGER contact_prefix_remove AFTER DELETE ON contact_token"
    " WHEN OLD.position < 100 BEGIN"
    "  DELETE FROM contact_prefix WHERE contact = OLD.contact AND prefix IN"
    "   (substr (OLD.token, 1, 1), substr (OLD.token, 1, 2), substr (OLD.token, 1, 3));"
    " END;\n"
    "INSERT INTO contact_prefix (prefix, contact, rank, name)"
    " SELECT substr (t.token, 1, n.length), t.contact, min (t.position != 0), c.name"
    " FROM contact_token t JOIN contact c ON c.id = t.contact,"
    "  (SELECT 1 AS length UNION ALL SELECT 2 UNION ALL SELECT 3) n"
    " WHERE t.position < 100 AND n.length <= length (t.token)"
    " GROUP BY 1, 2;\n"
    "CREATE TABLE deal_stage_total (stage TEXT PRIMARY KEY NOT NULL,"
    " deals INTEGER NOT NULL, amount INTEGER NOT NULL) WITHOUT ROWID;\n"
    "CREATE TRIGGER deal_stage_total_insert AFTER INSERT ON deal"
    " WHEN NEW.stage IS NOT NULL AND NEW.deleted = 0 BEGIN"
    "  INSERT INTO deal_stage_total VALUES (NEW.stage, 1, coalesce (NEW.amount, 0))"
    "  ON CONFLICT (stage) DO UPDATE SET deals = deals + 1, amount = amount + excluded.amount;"
    " END;\n"
    "CREATE TRIGGER deal_stage_total_update AFTER UPDATE OF stage, amount, deleted ON deal"
    " BEGIN"
    "  UPDATE deal_stage_total SET deals = deals - 1, amount = amount - coalesce (OLD.amount, 0)"
    "   WHERE stage = OLD.stage AND OLD.deleted = 0;"
    "  INSERT INTO deal_stage_total SELECT NEW.stage, 1, coalesce (NEW.amount, 0)"
    "   WHERE NEW.stage IS NOT NULL AND NEW.deleted = 0"
    "  ON CONFLICT (stage) DO UPDATE SET deals = deals + 1, amount = amount + excluded.amount;"
    " END;\n"
    "CREATE TRIGGER deal_stage_total_delete AFTER DELETE ON deal WHEN OLD.deleted = 0 BEGIN"
    "  UPDATE deal_stage_total SET deals = deals - 1, amount = amount - coalesce (OLD.amount, 0)"
    "   WHERE stage = OLD.stage;"
    " END;\n"
    DEAL_STAGE_TOTAL_FILL
    /* a link counts while it is present and not deleted and its deal exists and is not
     * deleted; merged ops may bring the link before its deal */
    "CREATE TABLE deal_tag_total (tag TEXT PRIMARY KEY NOT NULL, deals INTEGER NOT NULL)"
    " WITHOUT ROWID;\n"
    "CREATE TRIGGER deal_tag_total_link AFTER UPDATE OF deal, tag, present, deleted ON deal_tag"
    " BEGIN"
    "  UPDATE deal_tag_total SET deals = deals - 1 WHERE tag = OLD.tag AND OLD.present = 1"
    "   AND OLD.deleted = 0 AND EXISTS (SELECT 1 FROM deal WHERE id = OLD.deal AND deleted = 0);"
    "  INSERT INTO deal_tag_total SELECT NEW.tag, 1 WHERE NEW.tag IS NOT NULL"
    "   AND NEW.present = 1 AND NEW.deleted = 0"
    "   AND EXISTS (SELECT 1 FROM deal WHERE id = NEW.deal AND deleted = 0)"
    "  ON CONFLICT (tag) DO UPDATE SET deals = deals + 1;"
    " END;\n"
    "CREATE TRIGGER deal_tag_total_link_insert AFTER INSERT ON deal_tag"
    " WHEN NEW.tag IS NOT NULL AND NEW.present = 1 AND NEW.deleted = 0 BEGIN"
    "  INSERT INTO deal_tag_total SELECT NEW.tag, 1"
    "   WHERE EXISTS (SELECT 1 FROM deal WHERE id = NEW.deal AND deleted = 0)"
    "  ON CONFLICT (tag) DO UPDATE SET deals = deals + 1;"
    " END;\n"
    "CREATE TRIGGER deal_tag_total_link_delete AFTER DELETE ON deal_tag"
    " WHEN OLD.present = 1 AND OLD.deleted = 0 BEGIN"
    "  UPDATE deal_tag_total SET deals = deals - 1 WHERE tag = OLD.tag"
    "   AND EXISTS (SELECT 1 FROM deal WHERE id = OLD.deal AND deleted = 0);"
    " END;\n"
    "CREATE TRIGGER deal_tag_total_deal_insert AFTER INSERT ON deal WHEN NEW.deleted = 0 BEGIN"
    "  INSERT INTO deal_tag_total SELECT tag, 1 FROM deal_tag"
    "   WHERE deal = NEW.id AND present = 1 AND deleted = 0 AND tag IS NOT NULL"
    "  ON CONFLICT (tag) DO UPDATE SET deals = deals + 1;"
    " END;\n"
    "CREATE TRIGGER deal_tag_total_deal_update AFTER UPDATE OF deleted ON deal"
    " WHEN (OLD.deleted = 0) != (NEW.deleted = 0) BEGIN"
    "  INSERT INTO deal_tag_total SELECT tag, CASE WHEN NEW.deleted = 0 THEN 1 ELSE -1 END"
    "   FROM deal_tag WHERE deal = NEW.id AND present = 1 AND deleted = 0 AND tag IS NOT NULL"
    "  ON CONFLICT (tag) DO UPDATE SET deals = deals + excluded.deals;"
    " END;\n"
    "CREATE TRIGGER deal_tag_total_deal_delete AFTER DELETE ON deal WHEN OLD.deleted = 0 BEGIN"
    "  UPDATE deal_tag_total SET deals = deals - 1 WHERE tag IN (SELECT tag FROM deal_tag"
    "   WHERE deal = OLD.id AND present = 1 AND deleted = 0);"
    " END;\n"
    DEAL_TAG_TOTAL_FILL,
    error);
}

/* Migration 3: the companies list (sorted by name, live rows only) reads an index in
 * order instead of sorting 30 000 rows for every page. */
static gboolean
migrate_to_3 (sqlite3  *db,
              GError  **error)
{
  return exec (db, "CREATE INDEX company_list ON company (name, id) WHERE deleted = 0;\n",
               error);
}

/* Migration 4: the stage and pipeline indexes of deals no longer end with the row's
 * hlc. Nothing reads deals in hlc order through them, and since every write changes a
 * row's hlc, every edit of a deal — a title, a phone — rewrote two index entries. */
static gboolean
migrate_to_4 (sqlite3  *db,
              GError  **error)
{
  return exec (db,
    "DROP INDEX deal_stage;\n"
    "DROP INDEX deal_pipeline;\n"
    "CREATE INDEX deal_stage ON deal (stage);\n"
    "CREATE INDEX deal_pipeline ON deal (pipeline);\n",
    error);
}

/* Migration 5: contact_prefix keyed by (contact, prefix) instead of (prefix, contact).
 * Contact ids are time-ordered (UUIDv7), so a new contact's prefix rows go next to the
 * last ones instead of into random pages of the table, and removing a contact's rows
 * reads one range; searches read the page index (prefix, rank, name, contact) as
 * before. On the large account it halves the pages a merge of 1 000 new contacts
 * writes for the search. */
static gboolean
migrate_to_5 (sqlite3  *db,
              GError  **error)
{
  return exec (db,
    "CREATE TABLE contact_prefix_new (contact TEXT NOT NULL, prefix TEXT NOT NULL,"
    " rank INTEGER NOT NULL, name TEXT, PRIMARY KEY (contact, prefix)) WITHOUT ROWID;\n"
    "INSERT INTO contact_prefix_new (contact, prefix, rank, name)"
    " SELECT contact, prefix, rank, name FROM contact_prefix ORDER BY contact, prefix;\n"
    "DROP TRIGGER contact_prefix_add;\n"
    "DROP TRIGGER contact_prefix_remove;\n"
    "DROP TABLE contact_prefix;\n"
    "ALTER TABLE contact_prefix_new RENAME TO contact_prefix;\n"
    "CREATE INDEX contact_prefix_page ON contact_prefix (prefix, rank, name, contact);\n"
    "CREATE TRIGGER contact_prefix_add AFTER INSERT ON contact_token"
    " WHEN NEW.position < 100 BEGIN"
    "  INSERT INTO contact_prefix (contact, prefix, rank, name)"
    "   SELECT NEW.contact, substr (NEW.token, 1, n.length), NEW.position != 0, c.name"
    "   FROM (SELECT 1 AS length UNION ALL SELECT 2 UNION ALL SELECT 3) n, contact c"
    "   WHERE c.id = NEW.contact AND n.length <= length (NEW.token)"
    "  ON CONFLICT (contact, prefix) DO UPDATE SET rank = min (rank, excluded.rank);"
    " END;\n"
    "CREATE TRIGGER contact_prefix_remove AFTER DELETE ON contact_token"
    " WHEN OLD.position < 100 BEGIN"
    "  DELETE FROM contact_prefix WHERE contact = OLD.contact AND prefix IN"
    "   (substr (OLD.token, 1, 1), substr (OLD.token, 1, 2), substr (OLD.token, 1, 3));"
    " END;\n",
    error);
}

/* Migration 6: contact_prefix is written by the store with a contact's search words
 * (crm-store.c, write_contact_prefixes) instead of by triggers on contact_token — a
 * trigger program per word was 70 % of merging new contacts. The table is unchanged. */
static gboolean
migrate_to_6 (sqlite3  *db,
              GError  **error)
{
  return exec (db,
    "DROP TRIGGER contact_prefix_add;\n"
    "DROP TRIGGER contact_prefix_remove;\n",
    error);
}

typedef gboolean (*MigrationFunc) (sqlite3 *db, GError **error);

/* Migration N brings user_version N-1 to N. Append new steps; never edit old ones. */
/* Migration 7 (issue 23, one search that finds a client): every tail of four digits or
 * more of a phone's digits is a search word too (position 101), so any four consecutive
 * digits of a number find its contact by a prefix search of the token index. */
static gboolean
migrate_to_7 (sqlite3  *db,
              GError  **error)
{
  return exec (db,
    "WITH RECURSIVE tail (contact, token) AS ("
    "  SELECT contact, substr (token, 2) FROM contact_token"
    "   WHERE position = 100 AND length (token) > 4"
    "  UNION ALL"
    "  SELECT contact, substr (token, 2) FROM tail WHERE length (token) > 4)"
    " INSERT OR IGNORE INTO contact_token (token, contact, position)"
    " SELECT token, contact, 101 FROM tail;\n",
    error);
}

/* Migration 8 (issue 22, a server restored from a backup): each op keeps the server's
 * stamp (its seal on an op it accepted, so a restored server takes the op back from any
 * device) and the server's sequence number of the op, so a device can tell which of its
 * ops a restored server lost. This device's acknowledged ops already had their number. */
static gboolean
has_column (sqlite3    *db,
            const char *table,
            const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT 1 FROM pragma_table_info ('%s') WHERE name = ?1",
                                          table);
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, column, -1, SQLITE_STATIC);
      found = sqlite3_step (stmt) == SQLITE_ROW;
    }
  sqlite3_finalize (stmt);
  return found;
}

static gboolean
migrate_to_8 (sqlite3  *db,
              GError  **error)
{
  return (has_column (db, "changelog", "stamp") ||
          exec (db, "ALTER TABLE changelog ADD COLUMN stamp TEXT;", error)) &&
         (has_column (db, "changelog", "server_seq") ||
          exec (db, "ALTER TABLE changelog ADD COLUMN server_seq INTEGER;", error)) &&
         exec (db, "UPDATE changelog SET server_seq = pushed WHERE local = 1 AND pushed > 0"
                   " AND server_seq IS NULL;", error);
}

/* Migration 9 (issue 13, core owns the replica): the server's bookkeeping in an account
 * replica (crm-ledger.c), made by the server outside the migrations before: `server_op`
 * (the base each pushed op was made on) and `server_rejected` (the ops it refused, with
 * their corrective op). A server's account already has them (IF NOT EXISTS keeps their
 * rows); on a laptop they stay empty. */
static gboolean
migrate_to_9 (sqlite3  *db,
              GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS server_op (seq INTEGER PRIMARY KEY, base INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS server_rejected (op_id TEXT PRIMARY KEY NOT NULL,"
    " code TEXT NOT NULL, message TEXT NOT NULL, corrective TEXT, device TEXT,"
    " created_at INTEGER NOT NULL);\n",
    error);
}

/* Migration 10 (issue 23, undo): which ops each change set made here wrote, so it can be
 * reversed later as one new change set (crm-undo.c). Local, never replicated: `id` is
 * the op id of the change set's first op, `ops` a JSON array of its op ids (NULL when it
 * wrote too many to undo), first_seq/last_seq its changelog rows when it was written. */
static gboolean
migrate_to_10 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS change_set (id TEXT PRIMARY KEY NOT NULL,"
    " hlc INTEGER NOT NULL, actor TEXT, first_seq INTEGER NOT NULL,"
    " last_seq INTEGER NOT NULL, n_ops INTEGER NOT NULL, ops TEXT,"
    " undoes TEXT, undone_by TEXT);\n",
    error);
}

/* Migration 11 (issue 14, messages delivered): message templates, an entity admins
 * write (a new replica gets the table from step 1, which makes every entity's). */
static gboolean
migrate_to_11 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS message_template (id TEXT PRIMARY KEY NOT NULL,"
    " name TEXT, channel TEXT, subject TEXT, body TEXT, created_at INTEGER,"
    " deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL DEFAULT '{}',"
    " clocks TEXT NOT NULL DEFAULT '{}', hlc INTEGER NOT NULL DEFAULT 0);\n",
    error);
}

/* Migration 12 (issue 16, S3): «Связан с компанией» as links of a contact to companies
 * (`contact_company`, an id per pair, like deal_contact; a new replica gets the table
 * from step 1), and the indexes a company's won total, its holding and its related
 * contacts are read through. */
static gboolean
migrate_to_12 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS contact_company (id TEXT PRIMARY KEY NOT NULL,"
    " contact TEXT, company TEXT, present INTEGER,"
    " deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL DEFAULT '{}',"
    " clocks TEXT NOT NULL DEFAULT '{}', hlc INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE INDEX IF NOT EXISTS contact_company_contact ON contact_company (contact)"
    " WHERE present = 1 AND deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS contact_company_company ON contact_company (company)"
    " WHERE present = 1 AND deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS company_link_company ON company_link (company)"
    " WHERE present = 1 AND deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS company_link_other ON company_link (other)"
    " WHERE present = 1 AND deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS deal_company ON deal (company) WHERE deleted = 0;\n",
    error);
}

/* The table of an entity type added after step 1 (a new replica gets it from step 1,
 * which makes every entity's table: IF NOT EXISTS). */
static gboolean
add_entity_table (sqlite3     *db,
                  const char  *entity,
                  GError     **error)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  g_autoptr(GString) sql = g_string_new (NULL);

  g_string_append_printf (sql, "CREATE TABLE IF NOT EXISTS \"%s\" (id TEXT PRIMARY KEY NOT NULL",
                          type->name);
  for (const CrmColumn *c = type->columns; c->name != NULL; c++)
    g_string_append_printf (sql, ", \"%s\" %s", c->name, column_sql_type (c->kind));
  g_string_append (sql, ", deleted INTEGER NOT NULL DEFAULT 0"
                        ", data TEXT NOT NULL DEFAULT '{}'"
                        ", clocks TEXT NOT NULL DEFAULT '{}'"
                        ", hlc INTEGER NOT NULL DEFAULT 0);\n");
  return exec (db, sql->str, error);
}

/* Migration 13 (issue 17, call lists and RFM): saved lists (a filter shared with the
 * team) and the RFM segments' thresholds, entities like any other. */
static gboolean
migrate_to_13 (sqlite3  *db,
               GError  **error)
{
  return add_entity_table (db, "saved_list", error) &&
         add_entity_table (db, "rfm_segment", error);
}

/* Migration 14 (issue 18, telephony): phone calls, an entity voronka-server writes from
 * the PBX's events (a new replica gets the table from step 1), read newest first, by
 * contact and by deal. */
static gboolean
migrate_to_14 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS call (id TEXT PRIMARY KEY NOT NULL,"
    " direction TEXT, \"from\" TEXT, \"to\" TEXT, started_at INTEGER, answered_at INTEGER,"
    " answered_by TEXT, duration INTEGER, status TEXT, recording_url TEXT, contact TEXT,"
    " deal TEXT, external_id TEXT, reason TEXT, missed_to TEXT, ended_at INTEGER,"
    " ring TEXT, events TEXT,"
    " deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL DEFAULT '{}',"
    " clocks TEXT NOT NULL DEFAULT '{}', hlc INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE INDEX IF NOT EXISTS call_started ON call (started_at, id) WHERE deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS call_contact ON call (contact) WHERE deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS call_deal ON call (deal) WHERE deleted = 0;\n",
    error);
}

/* Migration 15 (issue 15, S2-7 work schedules): each user's weekly pattern
 * (`schedule`), its exceptions (`schedule_exception`: days off, one-off shifts) and the
 * account's settings (`account_setting`: the time zone schedules are read in), all
 * replicated (a new replica gets the tables from step 1). */
static gboolean
migrate_to_15 (sqlite3  *db,
               GError  **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  const char *const names[] = { "schedule", "schedule_exception", "account_setting" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    append_create_table (sql, crm_schema_lookup (names[i]), TRUE);
  g_string_append (sql, "CREATE INDEX IF NOT EXISTS schedule_user ON schedule (user);\n"
                        "CREATE INDEX IF NOT EXISTS schedule_exception_user"
                        " ON schedule_exception (user, from_date);\n");
  return exec (db, sql->str, error);
}

/* Migration 16 (issue 16, approvals): account settings that sync (`setting`, admins
 * write it: the approval thresholds, the director, the accountant), and the index of
 * the approvals waiting for someone's decision (the «На согласовании» inbox). A new
 * replica gets the table from step 1, which makes every entity's. */
static gboolean
migrate_to_16 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS setting (id TEXT PRIMARY KEY NOT NULL,"
    " key TEXT, value TEXT,"
    " deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL DEFAULT '{}',"
    " clocks TEXT NOT NULL DEFAULT '{}', hlc INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE INDEX IF NOT EXISTS approval_inbox ON approval (approver, status)"
    " WHERE deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS approval_entity ON approval (entity_id) WHERE deleted = 0;\n",
    error);
}

/* Migration 17 (issue 19, the head's dashboard): the indexes its figures are read
 * through, so a whole history takes a few index seeks a deal instead of reading every
 * note, task and changelog op: a deal's notes (the deal page reads them too), its open
 * tasks, the open tasks by due time (overdue), its finished tasks by when, and the moves
 * people made (the stage_entered_at of ops no rule wrote). The task indexes hold the
 * columns the queries test, so they are read without the rows. */
static gboolean
migrate_to_17 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE INDEX IF NOT EXISTS note_entity ON note (entity, entity_id, deleted, created_at);\n"
    "CREATE INDEX IF NOT EXISTS task_open ON task (deal, done, deleted)"
    " WHERE deleted = 0 AND coalesce (done, 0) = 0;\n"
    "CREATE INDEX IF NOT EXISTS task_open_due ON task (due, responsible, id, deal)"
    " WHERE deleted = 0 AND coalesce (done, 0) = 0;\n"
    "CREATE INDEX IF NOT EXISTS task_done_at ON task (deal, done, deleted, done_at)"
    " WHERE deleted = 0 AND done = 1;\n"
    "CREATE INDEX IF NOT EXISTS changelog_deal_move"
    " ON changelog (entity_id, json_extract (fields, '$.stage_entered_at'))"
    " WHERE entity = 'deal' AND rule IS NULL"
    " AND json_extract (fields, '$.stage_entered_at') IS NOT NULL;\n",
    error);
}

/* Migration 18 (issue 19, every figure in 200 ms on the large account): report_day,
 * the day totals the period reports sum instead of walking every deal and task. One
 * row per kind of event, UTC day (ms since the epoch / 86 400 000), pipeline and
 * employee ("" for none), with the number of events and their amount:
 * - deal: a live deal created that day (created_at); field:KEY: one with custom field KEY
 *   filled in (not empty, not []), on the same day;
 * - company, contact: a live one created that day (pipeline "");
 * - won, lost: a live deal whose stage is of that kind, entered that day
 *   (stage_entered_at), with the deal's amount;
 * - task: a live task created (a task without created_at: at 0); task_done: done at
 *   (done_at); task_closed: done, at the later of its creation and done_at (its
 *   creation when it has no done_at) — what "in progress at the end" subtracts;
 *   task_due: due that day; task_late: due that day and not done, or done after it.
 * A task's pipeline is that of its live deal. Triggers on deal, task and stage keep
 * the totals in step with every write in its own transaction (the store's apply, a
 * pulled page, an undo alike): a change takes the old row's events off and puts the
 * new row's on; a stage whose kind changes, a deal that arrives after its tasks, a
 * deal that moves pipeline re-count what depends on them. Times before 1970 are left
 * out (a report reads them from the rows). Filled here from the existing rows.
 * The indexes let a report read the part of its period that is not whole days (its
 * edges) from the rows: deals by stage_entered_at, tasks by created_at, done_at, due,
 * companies and contacts by created_at. They index "column + 0", which only the
 * reports' queries name, so that no other query's plan changes (the dashboard's overdue
 * tasks would leave task_open_due, which holds every column it reads, for task_due). */
#define REPORT_DAY_UPSERT \
  " ON CONFLICT (what, day, pipeline, employee) DO UPDATE" \
  " SET n = n + excluded.n, amount = amount + excluded.amount;"

/* The deal events of row @p (NEW, OLD, or a deal "d" of @from_where), times @sign,
 * with its stage's kind read through @kind. */
enum {
  DEAL_CREATED = 1 << 0,   /* deal */
  DEAL_CLOSED = 1 << 1,    /* won, lost */
  DEAL_FIELDS = 1 << 2,    /* field:KEY */
  DEAL_ALL = DEAL_CREATED | DEAL_CLOSED | DEAL_FIELDS,
};

static void
append_deal_parts (GString    *sql,
                   guint       parts,
                   const char *sign,
                   const char *p,
                   const char *from_where,
                   const char *kind);

static void
append_deal_events (GString    *sql,
                    const char *sign,
                    const char *p,
                    const char *from_where,
                    const char *kind)
{
  append_deal_parts (sql, DEAL_ALL, sign, p, from_where, kind);
}

/* The @parts of the deal events (migration 19 keeps a trigger to what an update
 * changes: a move reads no custom field, a field edit no stage). */
static void
append_deal_parts (GString    *sql,
                   guint       parts,
                   const char *sign,
                   const char *p,
                   const char *from_where,
                   const char *kind)
{
  /* the custom fields filled: the same rows joined with their data's members */
  const char *where = strstr (from_where, "WHERE");
  g_autofree char *table = g_strstrip (g_strndup (from_where, where - from_where));
  g_autofree char *from = g_strdup_printf (
    "%s%s json_each (CASE WHEN json_valid (%s.data) AND json_type (%s.data) = 'object'"
    " THEN %s.data ELSE '{}' END) j", table[0] != '\0' ? table : "FROM",
    table[0] != '\0' ? "," : "", p, p, p);

  const char *union_all = "";

  g_string_append (sql,
    "INSERT INTO report_day (what, day, pipeline, employee, n, amount)"
    " SELECT what, day, pipeline, employee, sum (n), sum (amount) FROM (");
  if (parts & DEAL_CREATED)
    {
      g_string_append_printf (sql,
        "  SELECT 'deal' AS what, CAST (%2$s.created_at / 86400000 AS INTEGER) AS day,"
        "  coalesce (%2$s.pipeline, '') AS pipeline, coalesce (%2$s.responsible, '') AS employee,"
        "  %1$s AS n, 0 AS amount %3$s AND %2$s.deleted = 0 AND %2$s.created_at >= 0",
        sign, p, from_where);
      union_all = "  UNION ALL";
    }
  if (parts & DEAL_CLOSED)
    {
      g_string_append_printf (sql,
        "%5$s  SELECT %4$s AS what, CAST (%2$s.stage_entered_at / 86400000 AS INTEGER) AS day,"
        "  coalesce (%2$s.pipeline, '') AS pipeline, coalesce (%2$s.responsible, '') AS employee,"
        "  %1$s AS n, %1$s * coalesce (%2$s.amount, 0) AS amount %3$s AND %2$s.deleted = 0"
        "  AND %2$s.stage_entered_at >= 0 AND %4$s IN ('won', 'lost')",
        sign, p, from_where, kind, union_all);
      union_all = "  UNION ALL";
    }
  if (parts & DEAL_FIELDS)
    g_string_append_printf (sql,
      "%5$s  SELECT 'field:' || j.key AS what, CAST (%2$s.created_at / 86400000 AS INTEGER) AS day,"
      "  coalesce (%2$s.pipeline, '') AS pipeline, coalesce (%2$s.responsible, '') AS employee,"
      "  %1$s AS n, 0 AS amount"
      "  %3$s %4$s AND %2$s.deleted = 0 AND %2$s.created_at >= 0"
      "  AND coalesce (j.value, '') NOT IN ('', '[]')",
      sign, p, from, where, union_all);
  g_string_append (sql, ") WHERE 1 GROUP BY 1, 2, 3, 4" REPORT_DAY_UPSERT "\n");
}

/* The task events of row @p (NEW, OLD, or a task "t" of @from_where), times @sign,
 * in pipeline @pipeline (an expression). */
static void
append_task_events (GString    *sql,
                    const char *sign,
                    const char *p,
                    const char *from_where,
                    const char *pipeline)
{
  g_string_append_printf (sql,
    "INSERT INTO report_day (what, day, pipeline, employee, n, amount)"
    " SELECT what, CAST (at / 86400000 AS INTEGER), pipeline, employee, sum (%1$s), 0 FROM ("
    "  SELECT 'task' AS what, coalesce (%2$s.created_at, 0) AS at, %4$s AS pipeline,"
    "  coalesce (%2$s.responsible, '') AS employee %3$s AND %2$s.deleted = 0"
    "  UNION ALL"
    "  SELECT 'task_closed', CASE WHEN %2$s.done_at > coalesce (%2$s.created_at, 0)"
    "  THEN %2$s.done_at ELSE coalesce (%2$s.created_at, 0) END, %4$s,"
    "  coalesce (%2$s.responsible, '') %3$s AND %2$s.deleted = 0"
    "  AND coalesce (%2$s.done, 0) != 0"
    "  UNION ALL"
    "  SELECT 'task_done', %2$s.done_at, %4$s, coalesce (%2$s.responsible, '')"
    "  %3$s AND %2$s.deleted = 0 AND coalesce (%2$s.done, 0) != 0"
    "  AND %2$s.done_at IS NOT NULL"
    "  UNION ALL"
    "  SELECT 'task_due', %2$s.due, %4$s, coalesce (%2$s.responsible, '')"
    "  %3$s AND %2$s.deleted = 0 AND %2$s.due IS NOT NULL"
    "  UNION ALL"
    "  SELECT 'task_late', %2$s.due, %4$s, coalesce (%2$s.responsible, '')"
    "  %3$s AND %2$s.deleted = 0 AND %2$s.due IS NOT NULL"
    "  AND (coalesce (%2$s.done, 0) = 0 OR %2$s.done_at > %2$s.due))"
    " WHERE at >= 0 GROUP BY 1, 2, 3, 4" REPORT_DAY_UPSERT "\n",
    sign, p, from_where, pipeline);
}

#define TASK_PIPELINE(p) \
  "coalesce ((SELECT pipeline FROM deal WHERE id = " p ".deal AND deleted = 0), '')"
#define DEAL_KIND(p) "(SELECT kind FROM stage WHERE id = " p ".stage)"
/* the pipeline a deal gives its tasks */
#define TASKS_PIPELINE(p) \
  "(CASE WHEN " p ".deleted = 0 THEN coalesce (" p ".pipeline, '') ELSE '' END)"

/* report_day's companies and contacts from the rows (none there before). */
static void
append_people_days (GString *sql)
{
  for (guint i = 0; i < 2; i++)
    g_string_append_printf (sql,
      "INSERT INTO report_day SELECT '%1$s', CAST (created_at / 86400000 AS INTEGER), '',"
      " coalesce (responsible, ''), count (*), 0 FROM %1$s"
      " WHERE deleted = 0 AND created_at >= 0 GROUP BY 2, 4;\n",
      i == 0 ? "company" : "contact");
}

/* report_day from the rows (empty before). */
static void
append_report_day_fill (GString *sql)
{
  append_people_days (sql);
  append_deal_events (sql, "1", "d", "FROM deal d WHERE 1", DEAL_KIND ("d"));
  append_task_events (sql, "1", "t", "FROM task t WHERE 1", TASK_PIPELINE ("t"));
}

static gboolean
migrate_to_18 (sqlite3  *db,
               GError  **error)
{
  g_autoptr(GString) sql = g_string_new (
    "CREATE TABLE IF NOT EXISTS report_day (what TEXT NOT NULL, day INTEGER NOT NULL,"
    " pipeline TEXT NOT NULL, employee TEXT NOT NULL, n INTEGER NOT NULL,"
    " amount INTEGER NOT NULL, PRIMARY KEY (what, day, pipeline, employee)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS deal_stage_entered ON deal (stage_entered_at + 0)"
    " WHERE deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS task_created ON task (created_at + 0) WHERE deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS task_done_time ON task (done_at + 0) WHERE deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS task_due ON task (due + 0) WHERE deleted = 0;\n");

  /* deals */
  g_string_append (sql, "CREATE TRIGGER IF NOT EXISTS report_day_deal_insert"
                        " AFTER INSERT ON deal BEGIN ");
  append_deal_events (sql, "1", "NEW", "WHERE 1", DEAL_KIND ("NEW"));
  /* its tasks, which may have come first, are in its pipeline now */
  append_task_events (sql, "-1", "t", "FROM task t WHERE t.deal = NEW.id", "''");
  append_task_events (sql, "1", "t", "FROM task t WHERE t.deal = NEW.id", TASKS_PIPELINE ("NEW"));
  g_string_append (sql, "END;\n");

  g_string_append (sql,
    "CREATE TRIGGER IF NOT EXISTS report_day_deal_update AFTER UPDATE OF created_at, stage,"
    " stage_entered_at, amount, responsible, pipeline, deleted, data ON deal"
    " WHEN OLD.created_at IS NOT NEW.created_at OR OLD.stage IS NOT NEW.stage"
    " OR OLD.data IS NOT NEW.data"
    " OR OLD.stage_entered_at IS NOT NEW.stage_entered_at OR OLD.amount IS NOT NEW.amount"
    " OR OLD.responsible IS NOT NEW.responsible OR OLD.pipeline IS NOT NEW.pipeline"
    " OR OLD.deleted IS NOT NEW.deleted BEGIN ");
  append_deal_events (sql, "-1", "OLD", "WHERE 1", DEAL_KIND ("OLD"));
  append_deal_events (sql, "1", "NEW", "WHERE 1", DEAL_KIND ("NEW"));
  g_string_append (sql, "END;\n");

  g_string_append (sql,
    "CREATE TRIGGER IF NOT EXISTS report_day_deal_tasks AFTER UPDATE OF pipeline, deleted ON deal"
    " WHEN " TASKS_PIPELINE ("OLD") " != " TASKS_PIPELINE ("NEW") " BEGIN ");
  append_task_events (sql, "-1", "t", "FROM task t WHERE t.deal = NEW.id", TASKS_PIPELINE ("OLD"));
  append_task_events (sql, "1", "t", "FROM task t WHERE t.deal = NEW.id", TASKS_PIPELINE ("NEW"));
  g_string_append (sql, "END;\n");

  g_string_append (sql, "CREATE TRIGGER IF NOT EXISTS report_day_deal_delete"
                        " AFTER DELETE ON deal BEGIN ");
  append_deal_events (sql, "-1", "OLD", "WHERE 1", DEAL_KIND ("OLD"));
  append_task_events (sql, "-1", "t", "FROM task t WHERE t.deal = OLD.id", TASKS_PIPELINE ("OLD"));
  append_task_events (sql, "1", "t", "FROM task t WHERE t.deal = OLD.id", "''");
  g_string_append (sql, "END;\n");

  /* a stage's kind decides whether its deals are won or lost */
  g_string_append (sql, "CREATE TRIGGER IF NOT EXISTS report_day_stage_insert AFTER INSERT ON stage"
                        " WHEN NEW.kind IN ('won', 'lost') BEGIN ");
  append_deal_events (sql, "1", "d", "FROM deal d WHERE d.stage = NEW.id", "NEW.kind");
  g_string_append (sql, "END;\n");
  g_string_append (sql, "CREATE TRIGGER IF NOT EXISTS report_day_stage_update"
                        " AFTER UPDATE OF id, kind ON stage"
                        " WHEN OLD.kind IS NOT NEW.kind OR OLD.id IS NOT NEW.id BEGIN ");
  append_deal_events (sql, "-1", "d", "FROM deal d WHERE d.stage = OLD.id", "OLD.kind");
  append_deal_events (sql, "1", "d", "FROM deal d WHERE d.stage = NEW.id", "NEW.kind");
  g_string_append (sql, "END;\n");
  g_string_append (sql, "CREATE TRIGGER IF NOT EXISTS report_day_stage_delete AFTER DELETE ON stage"
                        " WHEN OLD.kind IN ('won', 'lost') BEGIN ");
  append_deal_events (sql, "-1", "d", "FROM deal d WHERE d.stage = OLD.id", "OLD.kind");
  g_string_append (sql, "END;\n");

  /* tasks */
  g_string_append (sql, "CREATE TRIGGER IF NOT EXISTS report_day_task_insert"
                        " AFTER INSERT ON task BEGIN ");
  append_task_events (sql, "1", "NEW", "WHERE 1", TASK_PIPELINE ("NEW"));
  g_string_append (sql, "END;\n");
  g_string_append (sql,
    "CREATE TRIGGER IF NOT EXISTS report_day_task_update AFTER UPDATE OF deal, created_at,"
    " done, done_at, due, responsible, deleted ON task"
    " WHEN OLD.deal IS NOT NEW.deal OR OLD.created_at IS NOT NEW.created_at"
    " OR OLD.done IS NOT NEW.done OR OLD.done_at IS NOT NEW.done_at OR OLD.due IS NOT NEW.due"
    " OR OLD.responsible IS NOT NEW.responsible OR OLD.deleted IS NOT NEW.deleted BEGIN ");
  append_task_events (sql, "-1", "OLD", "WHERE 1", TASK_PIPELINE ("OLD"));
  append_task_events (sql, "1", "NEW", "WHERE 1", TASK_PIPELINE ("NEW"));
  g_string_append (sql, "END;\n");
  g_string_append (sql, "CREATE TRIGGER IF NOT EXISTS report_day_task_delete"
                        " AFTER DELETE ON task BEGIN ");
  append_task_events (sql, "-1", "OLD", "WHERE 1", TASK_PIPELINE ("OLD"));
  g_string_append (sql, "END;\n");

  g_string_append (sql, "DELETE FROM report_day;\n");

  /* companies and contacts */
  for (guint i = 0; i < 2; i++)
    {
      const char *entity = i == 0 ? "company" : "contact";

      g_string_append_printf (sql,
        "CREATE INDEX IF NOT EXISTS %1$s_created ON %1$s (created_at + 0)"
        " WHERE deleted = 0;\n"
        "CREATE TRIGGER IF NOT EXISTS report_day_%1$s_insert AFTER INSERT ON %1$s"
        " WHEN NEW.deleted = 0 AND NEW.created_at >= 0 BEGIN"
        "  INSERT INTO report_day VALUES ('%1$s', CAST (NEW.created_at / 86400000 AS INTEGER),"
        "  '', coalesce (NEW.responsible, ''), 1, 0)" REPORT_DAY_UPSERT
        " END;\n"
        "CREATE TRIGGER IF NOT EXISTS report_day_%1$s_update"
        " AFTER UPDATE OF created_at, responsible, deleted ON %1$s WHEN OLD.created_at IS NOT NEW.created_at"
        " OR OLD.responsible IS NOT NEW.responsible OR OLD.deleted IS NOT NEW.deleted BEGIN"
        "  INSERT INTO report_day SELECT '%1$s', CAST (OLD.created_at / 86400000 AS INTEGER),"
        "  '', coalesce (OLD.responsible, ''), -1, 0 WHERE OLD.deleted = 0 AND OLD.created_at >= 0"
        REPORT_DAY_UPSERT
        "  INSERT INTO report_day SELECT '%1$s', CAST (NEW.created_at / 86400000 AS INTEGER),"
        "  '', coalesce (NEW.responsible, ''), 1, 0 WHERE NEW.deleted = 0 AND NEW.created_at >= 0"
        REPORT_DAY_UPSERT
        " END;\n"
        "CREATE TRIGGER IF NOT EXISTS report_day_%1$s_delete AFTER DELETE ON %1$s"
        " WHEN OLD.deleted = 0 AND OLD.created_at >= 0 BEGIN"
        "  INSERT INTO report_day VALUES ('%1$s', CAST (OLD.created_at / 86400000 AS INTEGER),"
        "  '', coalesce (OLD.responsible, ''), -1, 0)" REPORT_DAY_UPSERT
        " END;\n", entity);
    }

  /* what is there already */
  append_report_day_fill (sql);
  return exec (db, sql->str, error);
}

/* Migration 19 (issue 19):
 * - report_day's update of a deal split by what changes, so that a statement that moves
 *   a deal compiles and runs no custom-field part, and a field edit no stage part: its
 *   creation, owner, pipeline or deletion (every part), its stage, stage time or amount
 *   (won, lost), its data (field:KEY).
 * - deal_report: per live deal, what the conversion and the dashboard read for a period
 *   without walking its deals' history: its pipeline, employee and created_at (as in
 *   deal), reach — the furthest position it got to: its stage now (not a lost one) or
 *   the furthest of its pipeline's live, not lost stages its ops ever set (NULL: none) —
 *   and responded — the first sign of work after its creation: a note on it, a task of
 *   it done, a move a person made (an op no rule wrote with stage_entered_at), its stage
 *   entered now (NULL: none yet). Kept by triggers on deal, changelog, note, task and
 *   stage; a stage's change re-computes the deals of its pipeline (rare: an admin's
 *   edit). Filled here from the existing rows.
 * - report_month: report_day summed over blocks of 32 UTC days (month = day / 32; not
 *   calendar months), kept by triggers on report_day itself, so that a long period reads
 *   its whole blocks here, the days at its ends from report_day and the hours at its
 *   edges from the rows (a few hundred rows for years of history). */
#define DR_MIN "(-1000000000000000000)"
#define DR_MAX "9223372036854775807"
#define DEAL_REPORT_ROW \
  " SELECT d.id, d.pipeline, d.responsible, d.created_at," \
  " nullif (max (coalesce ((SELECT cur.position FROM stage cur WHERE cur.id = d.stage" \
  "  AND cur.deleted = 0 AND coalesce (cur.kind, 'open') != 'lost'), " DR_MIN ")," \
  "  coalesce ((SELECT max (s.position) FROM changelog c" \
  "  JOIN stage s ON s.id = json_extract (c.fields, '$.stage')" \
  "  WHERE c.entity = 'deal' AND c.entity_id = d.id AND s.pipeline = d.pipeline" \
  "  AND s.deleted = 0 AND coalesce (s.kind, 'open') != 'lost'), " DR_MIN ")), " DR_MIN ")," \
  " nullif (min (coalesce ((SELECT min (n.created_at) FROM note n WHERE n.entity = 'deal'" \
  "  AND n.entity_id = d.id AND n.deleted = 0 AND n.created_at > d.created_at), " DR_MAX ")," \
  "  coalesce ((SELECT min (t.done_at) FROM task t WHERE t.deal = d.id AND t.deleted = 0" \
  "  AND t.done = 1 AND t.done_at > d.created_at), " DR_MAX ")," \
  "  coalesce ((SELECT min (json_extract (c.fields, '$.stage_entered_at')) FROM changelog c" \
  "  WHERE c.entity = 'deal' AND c.entity_id = d.id AND c.rule IS NULL" \
  "  AND json_extract (c.fields, '$.stage_entered_at') IS NOT NULL" \
  "  AND json_extract (c.fields, '$.stage_entered_at') > d.created_at), " DR_MAX ")," \
  "  coalesce (CASE WHEN d.stage_entered_at > d.created_at THEN d.stage_entered_at END, " \
  DR_MAX ")), " DR_MAX ")" \
  " FROM deal d WHERE d.deleted = 0"
/* deal_report's row of the deal with id @id, again */
#define DEAL_REPORT_SET(id) \
  " DELETE FROM deal_report WHERE deal = " id ";" \
  " INSERT INTO deal_report" DEAL_REPORT_ROW " AND d.id = " id ";"
#define DEAL_IDENTITY_SAME \
  " OLD.created_at IS NEW.created_at AND OLD.responsible IS NEW.responsible" \
  " AND OLD.pipeline IS NEW.pipeline AND OLD.deleted IS NEW.deleted"
#define DEAL_MOVE_OP(p) \
  p ".entity = 'deal' AND (json_extract (" p ".fields, '$.stage') IS NOT NULL" \
  " OR json_extract (" p ".fields, '$.stage_entered_at') IS NOT NULL)"

#define DEAL_REPORT_FILL "INSERT INTO deal_report" DEAL_REPORT_ROW ";\n"
#define REPORT_MONTH_FILL \
  "INSERT INTO report_month SELECT what, day / 32, pipeline, employee, sum (n), sum (amount)" \
  " FROM report_day GROUP BY 1, 2, 3, 4;\n"

static gboolean
migrate_to_19 (sqlite3  *db,
               GError  **error)
{
  g_autoptr(GString) sql = g_string_new ("DROP TRIGGER IF EXISTS report_day_deal_update;\n");

  g_string_append (sql,
    "CREATE TRIGGER IF NOT EXISTS report_day_deal_moved AFTER UPDATE OF created_at,"
    " responsible, pipeline, deleted ON deal WHEN NOT (" DEAL_IDENTITY_SAME ") BEGIN ");
  append_deal_parts (sql, DEAL_ALL, "-1", "OLD", "WHERE 1", DEAL_KIND ("OLD"));
  append_deal_parts (sql, DEAL_ALL, "1", "NEW", "WHERE 1", DEAL_KIND ("NEW"));
  g_string_append (sql, "END;\n");
  g_string_append (sql,
    "CREATE TRIGGER IF NOT EXISTS report_day_deal_closed AFTER UPDATE OF stage,"
    " stage_entered_at, amount ON deal WHEN (OLD.stage IS NOT NEW.stage"
    " OR OLD.stage_entered_at IS NOT NEW.stage_entered_at OR OLD.amount IS NOT NEW.amount)"
    " AND " DEAL_IDENTITY_SAME " BEGIN ");
  append_deal_parts (sql, DEAL_CLOSED, "-1", "OLD", "WHERE 1", DEAL_KIND ("OLD"));
  append_deal_parts (sql, DEAL_CLOSED, "1", "NEW", "WHERE 1", DEAL_KIND ("NEW"));
  g_string_append (sql, "END;\n");
  g_string_append (sql,
    "CREATE TRIGGER IF NOT EXISTS report_day_deal_fields AFTER UPDATE OF data ON deal"
    " WHEN OLD.data IS NOT NEW.data AND " DEAL_IDENTITY_SAME " BEGIN ");
  append_deal_parts (sql, DEAL_FIELDS, "-1", "OLD", "WHERE 1", DEAL_KIND ("OLD"));
  append_deal_parts (sql, DEAL_FIELDS, "1", "NEW", "WHERE 1", DEAL_KIND ("NEW"));
  g_string_append (sql, "END;\n");

  g_string_append (sql,
    "CREATE TABLE IF NOT EXISTS deal_report (deal TEXT PRIMARY KEY NOT NULL, pipeline TEXT,"
    " employee TEXT, created_at INTEGER, reach INTEGER, responded INTEGER) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS deal_report_funnel"
    " ON deal_report (pipeline, created_at, employee, reach);\n"
    "CREATE INDEX IF NOT EXISTS deal_report_created"
    " ON deal_report (created_at, pipeline, employee, responded);\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_deal_insert AFTER INSERT ON deal BEGIN"
    DEAL_REPORT_SET ("NEW.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_deal_update AFTER UPDATE OF id, pipeline, stage,"
    " responsible, created_at, stage_entered_at, deleted ON deal"
    " WHEN OLD.id IS NOT NEW.id OR OLD.pipeline IS NOT NEW.pipeline"
    " OR OLD.stage IS NOT NEW.stage OR OLD.responsible IS NOT NEW.responsible"
    " OR OLD.created_at IS NOT NEW.created_at OR OLD.stage_entered_at IS NOT NEW.stage_entered_at"
    " OR OLD.deleted IS NOT NEW.deleted BEGIN"
    " DELETE FROM deal_report WHERE deal = OLD.id;" DEAL_REPORT_SET ("NEW.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_deal_delete AFTER DELETE ON deal BEGIN"
    " DELETE FROM deal_report WHERE deal = OLD.id; END;\n"
    /* the history: a deal's moves */
    "CREATE TRIGGER IF NOT EXISTS deal_report_op_insert AFTER INSERT ON changelog"
    " WHEN " DEAL_MOVE_OP ("NEW") " BEGIN" DEAL_REPORT_SET ("NEW.entity_id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_op_update AFTER UPDATE OF entity, entity_id,"
    " fields, rule ON changelog WHEN OLD.entity = 'deal' OR NEW.entity = 'deal' BEGIN"
    DEAL_REPORT_SET ("OLD.entity_id") DEAL_REPORT_SET ("NEW.entity_id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_op_delete AFTER DELETE ON changelog"
    " WHEN " DEAL_MOVE_OP ("OLD") " BEGIN" DEAL_REPORT_SET ("OLD.entity_id") " END;\n"
    /* the first response: notes and done tasks */
    "CREATE TRIGGER IF NOT EXISTS deal_report_note_insert AFTER INSERT ON note"
    " WHEN NEW.entity = 'deal' BEGIN" DEAL_REPORT_SET ("NEW.entity_id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_note_update AFTER UPDATE OF entity, entity_id,"
    " created_at, deleted ON note WHEN OLD.entity = 'deal' OR NEW.entity = 'deal' BEGIN"
    DEAL_REPORT_SET ("OLD.entity_id") DEAL_REPORT_SET ("NEW.entity_id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_note_delete AFTER DELETE ON note"
    " WHEN OLD.entity = 'deal' BEGIN" DEAL_REPORT_SET ("OLD.entity_id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_task_insert AFTER INSERT ON task"
    " WHEN NEW.deal IS NOT NULL AND NEW.done = 1 BEGIN" DEAL_REPORT_SET ("NEW.deal") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_task_update AFTER UPDATE OF deal, done, done_at,"
    " deleted ON task WHEN OLD.done = 1 OR NEW.done = 1 BEGIN"
    DEAL_REPORT_SET ("OLD.deal") DEAL_REPORT_SET ("NEW.deal") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_task_delete AFTER DELETE ON task"
    " WHEN OLD.deal IS NOT NULL AND OLD.done = 1 BEGIN" DEAL_REPORT_SET ("OLD.deal") " END;\n");
  /* a stage's position, kind or pipeline: its pipeline's deals (and those in it) again */
  g_string_append (sql,
    "CREATE TRIGGER IF NOT EXISTS deal_report_stage_insert AFTER INSERT ON stage BEGIN"
    " INSERT OR REPLACE INTO deal_report" DEAL_REPORT_ROW
    " AND (d.pipeline = NEW.pipeline OR d.stage = NEW.id); END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_stage_update AFTER UPDATE OF id, pipeline,"
    " position, kind, deleted ON stage WHEN OLD.id IS NOT NEW.id"
    " OR OLD.pipeline IS NOT NEW.pipeline OR OLD.position IS NOT NEW.position"
    " OR OLD.kind IS NOT NEW.kind OR OLD.deleted IS NOT NEW.deleted BEGIN"
    " INSERT OR REPLACE INTO deal_report" DEAL_REPORT_ROW
    " AND (d.pipeline IN (OLD.pipeline, NEW.pipeline) OR d.stage IN (OLD.id, NEW.id)); END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_report_stage_delete AFTER DELETE ON stage BEGIN"
    " INSERT OR REPLACE INTO deal_report" DEAL_REPORT_ROW
    " AND (d.pipeline = OLD.pipeline OR d.stage = OLD.id); END;\n"
    "DELETE FROM deal_report;\n"
    DEAL_REPORT_FILL);

  g_string_append (sql,
    "CREATE TABLE IF NOT EXISTS report_month (what TEXT NOT NULL, month INTEGER NOT NULL,"
    " pipeline TEXT NOT NULL, employee TEXT NOT NULL, n INTEGER NOT NULL,"
    " amount INTEGER NOT NULL, PRIMARY KEY (what, month, pipeline, employee)) WITHOUT ROWID;\n"
    "CREATE TRIGGER IF NOT EXISTS report_month_insert AFTER INSERT ON report_day BEGIN"
    " INSERT INTO report_month VALUES (NEW.what, NEW.day / 32, NEW.pipeline, NEW.employee,"
    " NEW.n, NEW.amount) ON CONFLICT (what, month, pipeline, employee) DO UPDATE"
    " SET n = n + excluded.n, amount = amount + excluded.amount; END;\n"
    "CREATE TRIGGER IF NOT EXISTS report_month_update AFTER UPDATE ON report_day BEGIN"
    " INSERT INTO report_month VALUES (OLD.what, OLD.day / 32, OLD.pipeline, OLD.employee,"
    " -OLD.n, -OLD.amount) ON CONFLICT (what, month, pipeline, employee) DO UPDATE"
    " SET n = n + excluded.n, amount = amount + excluded.amount;"
    " INSERT INTO report_month VALUES (NEW.what, NEW.day / 32, NEW.pipeline, NEW.employee,"
    " NEW.n, NEW.amount) ON CONFLICT (what, month, pipeline, employee) DO UPDATE"
    " SET n = n + excluded.n, amount = amount + excluded.amount; END;\n"
    "CREATE TRIGGER IF NOT EXISTS report_month_delete AFTER DELETE ON report_day BEGIN"
    " INSERT INTO report_month VALUES (OLD.what, OLD.day / 32, OLD.pipeline, OLD.employee,"
    " -OLD.n, -OLD.amount) ON CONFLICT (what, month, pipeline, employee) DO UPDATE"
    " SET n = n + excluded.n, amount = amount + excluded.amount; END;\n"
    "DELETE FROM report_month;\n"
    REPORT_MONTH_FILL);
  return exec (db, sql->str, error);
}

/* Migration 20 (issue 19, the head's dashboard): deal_no_task, the open deals without an
 * open task — "open": live, in a stage whose kind is unsorted or open (none: open); a
 * task open: live and not done — with what the dashboard filters and orders them by
 * (pipeline, responsible, created_at), so that the figure reads a few thousand rows
 * instead of seeking into the tasks for every open deal. Kept by triggers on deal (its
 * id, stage, owner, pipeline, creation time, deletion), task (its deal, done, deletion:
 * both deals again) and stage (its id or kind between open and closed: its deals
 * again, rare: an admin's edit); filled here from the rows. */
#define NO_TASK_COLUMNS " SELECT d.id, d.pipeline, d.responsible, d.created_at"
#define NO_TASK_OPEN(d, s) \
  " " d ".deleted = 0 AND coalesce (" s ".kind, 'open') IN ('unsorted', 'open')" \
  " AND NOT EXISTS (SELECT 1 FROM task t WHERE t.deal = " d ".id AND t.deleted = 0" \
  " AND coalesce (t.done, 0) = 0)"
/* deal_no_task's row of the deal with id @id, again */
#define NO_TASK_SET(id) \
  " DELETE FROM deal_no_task WHERE deal = " id ";" \
  " INSERT INTO deal_no_task" NO_TASK_COLUMNS " FROM deal d JOIN stage s ON s.id = d.stage" \
  " WHERE d.id = " id " AND" NO_TASK_OPEN ("d", "s") ";"
/* the rows of the deals in stage @id, again (their rows are gone first) */
#define NO_TASK_STAGE_SET(id) \
  " INSERT OR REPLACE INTO deal_no_task" NO_TASK_COLUMNS " FROM deal d JOIN stage s" \
  " ON s.id = d.stage WHERE d.stage = " id " AND" NO_TASK_OPEN ("d", "s") ";"
#define NO_TASK_STAGE_CLEAR(id) \
  " DELETE FROM deal_no_task WHERE deal IN (SELECT id FROM deal WHERE stage = " id \
  " AND deleted = 0);"
/* from the few stages to their live deals through the board's index (deal_board) */
#define NO_TASK_FILL \
  "INSERT INTO deal_no_task" NO_TASK_COLUMNS " FROM stage s CROSS JOIN deal d" \
  " ON d.stage = s.id WHERE" NO_TASK_OPEN ("d", "s") ";\n"
#define STAGE_OPEN(s) "(coalesce (" s ".kind, 'open') IN ('unsorted', 'open'))"

static gboolean
migrate_to_20 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS deal_no_task (deal TEXT PRIMARY KEY NOT NULL, pipeline TEXT,"
    " responsible TEXT, created_at INTEGER) WITHOUT ROWID;\n"
    /* the dashboard's order, every column it reads: no sort */
    "CREATE INDEX IF NOT EXISTS deal_no_task_created"
    " ON deal_no_task (created_at, deal, pipeline, responsible);\n"
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_deal_insert AFTER INSERT ON deal BEGIN"
    NO_TASK_SET ("NEW.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_deal_update AFTER UPDATE OF id, stage,"
    " responsible, pipeline, created_at, deleted ON deal"
    " WHEN OLD.id IS NOT NEW.id OR OLD.stage IS NOT NEW.stage"
    " OR OLD.responsible IS NOT NEW.responsible OR OLD.pipeline IS NOT NEW.pipeline"
    " OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted IS NOT NEW.deleted BEGIN"
    " DELETE FROM deal_no_task WHERE deal = OLD.id;" NO_TASK_SET ("NEW.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_deal_delete AFTER DELETE ON deal BEGIN"
    " DELETE FROM deal_no_task WHERE deal = OLD.id; END;\n"
    /* an open task takes its deal out; a task done, reopened, deleted or moved to
     * another deal: both deals again */
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_task_insert AFTER INSERT ON task"
    " WHEN NEW.deal IS NOT NULL AND NEW.deleted = 0 AND coalesce (NEW.done, 0) = 0 BEGIN"
    " DELETE FROM deal_no_task WHERE deal = NEW.deal; END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_task_update AFTER UPDATE OF deal, done,"
    " deleted ON task WHEN OLD.deal IS NOT NEW.deal OR OLD.done IS NOT NEW.done"
    " OR OLD.deleted IS NOT NEW.deleted BEGIN"
    NO_TASK_SET ("OLD.deal") NO_TASK_SET ("NEW.deal") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_task_delete AFTER DELETE ON task"
    " WHEN OLD.deal IS NOT NULL BEGIN" NO_TASK_SET ("OLD.deal") " END;\n"
    /* a stage's kind (or id): its deals again */
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_stage_insert AFTER INSERT ON stage BEGIN"
    NO_TASK_STAGE_SET ("NEW.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_stage_update AFTER UPDATE OF id, kind ON stage"
    " WHEN OLD.id IS NOT NEW.id OR " STAGE_OPEN ("OLD") " != " STAGE_OPEN ("NEW") " BEGIN"
    NO_TASK_STAGE_CLEAR ("OLD.id") NO_TASK_STAGE_CLEAR ("NEW.id")
    NO_TASK_STAGE_SET ("NEW.id") NO_TASK_STAGE_SET ("OLD.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS deal_no_task_stage_delete AFTER DELETE ON stage BEGIN"
    NO_TASK_STAGE_CLEAR ("OLD.id") " END;\n"
    "DELETE FROM deal_no_task;\n"
    NO_TASK_FILL, error);
}

/* Migration 21 (issue 20, 100 000 contacts moved in within seconds): the search tables
 * carry the contact's rowid (an integer of a few bytes) instead of its 36-byte text id —
 * three quarters of a large replica were these tables, each row and its index entry
 * holding the id — and phone digits leave contact_token for contact_phone, an FTS5
 * trigram table with one row per contact (its numbers' digits, each after a space)
 * instead of a row for every tail of four digits or more of every number (eight for a
 * mobile). Rebuilt from the contacts (crm-search.c), so what a search finds stays the
 * same. The contact table has no INTEGER PRIMARY KEY: its
 * rowids stay as they are because nothing runs VACUUM on a replica and contacts are
 * never deleted (a deleted contact is a flag); a snapshot copied row by row keeps them
 * (crm-snapshot-install.c). */
static gboolean
migrate_to_21 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "DROP TABLE contact_token;\n"
    "DROP TABLE contact_prefix;\n"
    "CREATE TABLE contact_token (token TEXT NOT NULL, contact INTEGER NOT NULL,"
    " position INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (token, contact)) WITHOUT ROWID;\n"
    "CREATE INDEX contact_token_contact ON contact_token (contact);\n"
    "CREATE TABLE contact_prefix (contact INTEGER NOT NULL, prefix TEXT NOT NULL,"
    " rank INTEGER NOT NULL, name TEXT, PRIMARY KEY (contact, prefix)) WITHOUT ROWID;\n"
    "CREATE INDEX contact_prefix_page ON contact_prefix (prefix, rank, name, contact);\n"
    /* (a replica made to look older by a test may have it already) */
    "CREATE VIRTUAL TABLE IF NOT EXISTS contact_phone USING fts5 (digits,"
    " tokenize = 'trigram', detail = 'none');\n",
    error) && _crm_search_rebuild (db, NULL, error);
}

/* 22: the deals that owe or pay later (a deal field «payment_deferral_days» or «debt»
 * above 0, the B2B distributor's keys): the debts report reads them through this partial
 * index instead of every deal of the account (CRM_SCHEMA_OWING_WHERE is its condition,
 * which the report's query repeats word for word, so SQLite may use it). */
static gboolean
migrate_to_22 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    /* every column the report reads: it never touches the deal table (55 000 owing deals
     * of 220 000 read in a fifth of the time of reaching each row) */
    "CREATE INDEX IF NOT EXISTS deal_owing ON deal (responsible, pipeline, stage, id, deleted,"
    " data) WHERE deleted = 0 AND"
    CRM_SCHEMA_OWING_WHERE ("data") ";\n", error);
}

/* 23 (issue 19, the «rfm» report on the large account): rfm_won, a row for every client a
 * won deal counts for — its company, and each contact linked to it (once, however often
 * linked) — with when it was won (WON_AT of crm-rfm.c), its amount and its company, so
 * that scoring every client as of any time reads these rows (a few per won deal, in the
 * clients' order) instead of every won deal and every deal-contact link; a contact's own
 * company's deals are left out at read time (the contact's company is read anyway).
 * Whether a company or a contact is live is read at scoring time too. Kept by triggers
 * on deal (its stage, amount, company, times, deletion), deal_contact (its deal, contact,
 * presence, deletion: both deals again) and stage (its kind to or from won: its deals
 * again); filled here from the rows. The «rfm» report counts the live companies and the
 * live contacts without a company: two partial indexes hold them with their managers, so
 * it reads a few megabytes instead of seeking into the contacts and companies tables for
 * each client (or reading them whole). */
#define RFM_WON_COLUMNS " (client, deal, company, won_at, amount)"
#define RFM_WON_VALUES "coalesce (d.stage_entered_at, d.created_at, 0), coalesce (d.amount, 0)"
/* the rows of the won deals @deals (a FROM clause naming d and s) chosen by @where */
#define RFM_WON_INSERT(deals, where) \
  " INSERT OR IGNORE INTO rfm_won" RFM_WON_COLUMNS \
  " SELECT d.company, d.id, d.company, " RFM_WON_VALUES " FROM " deals \
  " WHERE s.kind = 'won' AND d.deleted = 0 AND d.company IS NOT NULL AND " where \
  " UNION ALL SELECT l.contact, d.id, d.company, " RFM_WON_VALUES " FROM " deals \
  " JOIN deal_contact l ON l.deal = d.id AND l.present = 1 WHERE s.kind = 'won'" \
  " AND d.deleted = 0 AND l.deleted = 0 AND l.contact IS NOT NULL AND " where ";"
#define RFM_WON_DEAL "deal d JOIN stage s ON s.id = d.stage"
/* the rows of the deal with id @id, again */
#define RFM_WON_SET(id) \
  " DELETE FROM rfm_won WHERE deal = " id ";" RFM_WON_INSERT (RFM_WON_DEAL, "d.id = " id)
/* the rows of the deals in stage @id, gone */
#define RFM_WON_STAGE_CLEAR(id) \
  " DELETE FROM rfm_won WHERE deal IN (SELECT id FROM deal WHERE stage = " id ");"
/* from the few won stages to their deals (deal_stage), every link of each */
#define RFM_WON_FILL \
  "INSERT OR IGNORE INTO rfm_won" RFM_WON_COLUMNS \
  " SELECT d.company, d.id, d.company, " RFM_WON_VALUES " FROM stage s CROSS JOIN deal d" \
  " ON d.stage = s.id WHERE s.kind = 'won' AND d.deleted = 0 AND d.company IS NOT NULL" \
  " UNION ALL SELECT l.contact, d.id, d.company, " RFM_WON_VALUES " FROM stage s CROSS JOIN deal d" \
  " ON d.stage = s.id CROSS JOIN deal_contact l ON l.deal = d.id AND l.present = 1" \
  " WHERE s.kind = 'won' AND d.deleted = 0 AND l.deleted = 0 AND l.contact IS NOT NULL;\n"
#define STAGE_WON(s) "(coalesce (" s ".kind, '') = 'won')"

static gboolean
migrate_to_23 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE TABLE IF NOT EXISTS rfm_won (client TEXT NOT NULL, deal TEXT NOT NULL,"
    " company TEXT, won_at INTEGER NOT NULL, amount INTEGER NOT NULL,"
    " PRIMARY KEY (client, deal)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS rfm_won_deal ON rfm_won (deal);\n"
    "CREATE INDEX IF NOT EXISTS contact_alone ON contact (id, responsible)"
    " WHERE company IS NULL AND deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS company_live ON company (id, responsible) WHERE deleted = 0;\n"
    "CREATE TRIGGER IF NOT EXISTS rfm_won_deal_insert AFTER INSERT ON deal BEGIN"
    RFM_WON_SET ("NEW.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS rfm_won_deal_update AFTER UPDATE OF id, stage, amount,"
    " company, created_at, stage_entered_at, deleted ON deal"
    " WHEN OLD.id IS NOT NEW.id OR OLD.stage IS NOT NEW.stage"
    " OR OLD.amount IS NOT NEW.amount OR OLD.company IS NOT NEW.company"
    " OR OLD.created_at IS NOT NEW.created_at OR OLD.stage_entered_at IS NOT NEW.stage_entered_at"
    " OR OLD.deleted IS NOT NEW.deleted BEGIN"
    " DELETE FROM rfm_won WHERE deal = OLD.id;" RFM_WON_SET ("NEW.id") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS rfm_won_deal_delete AFTER DELETE ON deal BEGIN"
    " DELETE FROM rfm_won WHERE deal = OLD.id; END;\n"
    /* a contact linked, unlinked, or a link moved: its deals again */
    "CREATE TRIGGER IF NOT EXISTS rfm_won_link_insert AFTER INSERT ON deal_contact BEGIN"
    RFM_WON_SET ("NEW.deal") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS rfm_won_link_update AFTER UPDATE OF deal, contact, present,"
    " deleted ON deal_contact WHEN OLD.deal IS NOT NEW.deal OR OLD.contact IS NOT NEW.contact"
    " OR OLD.present IS NOT NEW.present OR OLD.deleted IS NOT NEW.deleted BEGIN"
    RFM_WON_SET ("OLD.deal") RFM_WON_SET ("NEW.deal") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS rfm_won_link_delete AFTER DELETE ON deal_contact BEGIN"
    RFM_WON_SET ("OLD.deal") " END;\n"
    /* a stage's kind to or from won (or its id): its deals again */
    "CREATE TRIGGER IF NOT EXISTS rfm_won_stage_insert AFTER INSERT ON stage BEGIN"
    RFM_WON_STAGE_CLEAR ("NEW.id") RFM_WON_INSERT (RFM_WON_DEAL, "d.stage = NEW.id")
    " END;\n"
    "CREATE TRIGGER IF NOT EXISTS rfm_won_stage_update AFTER UPDATE OF id, kind ON stage"
    " WHEN OLD.id IS NOT NEW.id OR " STAGE_WON ("OLD") " != " STAGE_WON ("NEW") " BEGIN"
    RFM_WON_STAGE_CLEAR ("OLD.id") RFM_WON_STAGE_CLEAR ("NEW.id")
    RFM_WON_INSERT (RFM_WON_DEAL, "d.stage IN (OLD.id, NEW.id)") " END;\n"
    "CREATE TRIGGER IF NOT EXISTS rfm_won_stage_delete AFTER DELETE ON stage BEGIN"
    RFM_WON_STAGE_CLEAR ("OLD.id") " END;\n"
    "DELETE FROM rfm_won;\n"
    RFM_WON_FILL, error);
}

/* 24 (issue 20, permissions enforced where the change is made): roles as data — the
 * replicated `role` entity (crm-rights.h) and the five built-in roles, each with the id
 * UUIDv5 "role/<key>" every replica derives alike (so the rows need no op to agree:
 * their clocks are empty, any administrator's change wins over them) and the rights of
 * today's behaviour: admin and manager everything, rep everything on their own deals
 * and seeing every deal (no replica shows less than before), a head their group's, an
 * accountant sees and exports only. `user.role` keeps its text: "admin", "manager" and
 * "rep" are the built-in roles' keys. */
#define ROLE_RIGHTS(changes, see, edit, close, reopen, delete, export) \
  "'{\"changes\":\"" changes "\",\"default\":{\"see\":\"" see "\",\"edit\":" edit \
  ",\"move_won_lost\":" close ",\"reopen\":" reopen ",\"delete\":" delete \
  ",\"export\":" export "},\"pipelines\":{}}'"

static gboolean
migrate_to_24 (sqlite3  *db,
               GError  **error)
{
  static const struct {
    const char *key;
    const char *rights;
  } roles[] = {
    { "admin", ROLE_RIGHTS ("all", "all", "true", "true", "true", "true", "true") },
    { "head", ROLE_RIGHTS ("group", "group", "true", "true", "true", "true", "true") },
    { "manager", ROLE_RIGHTS ("all", "all", "true", "true", "true", "true", "true") },
    { "accountant", ROLE_RIGHTS ("own", "all", "false", "false", "false", "false", "true") },
    { "rep", ROLE_RIGHTS ("own", "all", "true", "true", "true", "true", "true") },
  };
  g_autoptr(GString) sql = g_string_new (
    "CREATE TABLE IF NOT EXISTS role (id TEXT PRIMARY KEY NOT NULL, name TEXT, key TEXT,"
    " rights TEXT, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL DEFAULT '{}',"
    " clocks TEXT NOT NULL DEFAULT '{}', hlc INTEGER NOT NULL DEFAULT 0);\n");

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autofree char *name = g_strconcat ("role/", roles[i].key, NULL);
      g_autofree char *id = crm_uuid_v5 (CRM_UUID_NAMESPACE, name);

      g_string_append_printf (sql, "INSERT OR IGNORE INTO role (id, name, key, rights)"
                                   " VALUES ('%s', NULL, '%s', %s);\n",
                              id, roles[i].key, roles[i].rights);
    }
  return exec (db, sql->str, error);
}

/* 25: the contacts and companies lists on a large account. A page of contacts with no
 * search read every live contact and sorted them (0.5 s of CPU a page, 100 000 contacts:
 * `contact_name` holds deleted rows too, so SQLite took the live-rows index and a sort);
 * a page of companies counted each company's contacts by reading every contact (no
 * index on `contact.company`): 27 s a page. Both as `company_list` (schema 3) is: live
 * rows only, in the list's order (bench/RESULTS.md). */
static gboolean
migrate_to_25 (sqlite3  *db,
               GError  **error)
{
  return exec (db,
    "CREATE INDEX IF NOT EXISTS contact_list ON contact (name, id) WHERE deleted = 0;\n"
    "CREATE INDEX IF NOT EXISTS contact_company_live ON contact (company) WHERE deleted = 0;\n",
    error);
}

/* Schema 26: a row's field clocks name their device and their list of fields by a number
 * of the new table clock_word instead of spelling both in every row (crm-clock-words.c;
 * ≈ 150 of a row's ≈ 170 bytes of clocks on the large account). Every table with clocks
 * is rewritten here, with the triggers off: no value a trigger reads changes. */
static gboolean
migrate_to_26 (sqlite3  *db,
               GError  **error)
{
  g_autoptr(CrmClockWords) words = NULL;
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int triggers = 1;
  gboolean ok = TRUE;
  int rc;

  if (!exec (db, "CREATE TABLE IF NOT EXISTS clock_word (n INTEGER PRIMARY KEY,"
                 " word TEXT NOT NULL UNIQUE);\n", error))
    return FALSE;
  rc = sqlite3_prepare_v2 (db, "SELECT m.name FROM sqlite_master m"
                               " JOIN pragma_table_info (m.name) p"
                               " WHERE m.type = 'table' AND p.name = 'clocks' ORDER BY m.name",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_sqlite_set_error (error, db, sqlite3_errcode (db), NULL, "updating its schema");
      return FALSE;
    }

  words = _crm_clock_words_new (db, "main", TRUE);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
  for (guint t = 0; ok && t < tables->len; t++)
    ok = _crm_clocks_rewrite_table (db, tables->pdata[t], words, words,
                                    "updating its schema", error);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers, NULL);
  return ok;
}

/* The SQL of @table's own indexes and triggers (what DROP TABLE takes with it). */
static GPtrArray *
table_schema (sqlite3    *db,
              const char *table,
              GError    **error)
{
  g_autoptr(GPtrArray) creates = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT sql FROM sqlite_master WHERE tbl_name = ?1"
                                   " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
                                   " ORDER BY type, name", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (creates, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_sqlite_set_error (error, db, sqlite3_errcode (db), NULL, "updating its schema");
      return NULL;
    }
  return g_steal_pointer (&creates);
}

/* Schema 27 (issue 21): a changelog row names its device and its actor by a number of
 * clock_word (device_n, actor_n: crm-changelog-private.h) instead of 36 characters of
 * text each — the devices are mostly there already, as the field clocks' words. The
 * table is copied into its new form (the same sequence numbers, the AUTOINCREMENT's
 * high mark kept), its indexes and triggers made again as they were (a changelog already
 * in this form is left as it is). Also the index GET /files/HASH looks a file's
 * attachments up with (crm_visibility_sees_file). */
static gboolean
changelog_words (sqlite3  *db,
                 GError  **error)
{
  g_autoptr(GPtrArray) creates = table_schema (db, "changelog", error);
  g_autofree char *high = NULL;
  sqlite3_stmt *stmt = NULL;
  int triggers = 1;
  gboolean ok;
  int rc;

  if (creates == NULL)
    return FALSE;
  rc = sqlite3_prepare_v2 (db, "SELECT coalesce (max (seq), 0) FROM sqlite_sequence"
                               " WHERE name = 'changelog'", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    high = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0));
  sqlite3_finalize (stmt);
  if (high == NULL)
    {
      _crm_sqlite_set_error (error, db, sqlite3_errcode (db), NULL, "updating its schema");
      return FALSE;
    }

  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
  ok = exec (db,
    "CREATE TABLE IF NOT EXISTS clock_word (n INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE);\n"
    "INSERT OR IGNORE INTO clock_word (word) SELECT device FROM changelog"
    " UNION SELECT actor FROM changelog WHERE actor IS NOT NULL;\n"
    "CREATE TABLE changelog_27 (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " op_id TEXT NOT NULL UNIQUE, hlc INTEGER NOT NULL, device_n INTEGER NOT NULL,"
    " entity TEXT NOT NULL, entity_id TEXT NOT NULL, fields TEXT NOT NULL,"
    " cause TEXT, rule TEXT, actor_n INTEGER, local INTEGER NOT NULL DEFAULT 1,"
    " pushed INTEGER NOT NULL DEFAULT 0, stamp TEXT, server_seq INTEGER);\n"
    "INSERT INTO changelog_27 (seq, op_id, hlc, device_n, entity, entity_id, fields, cause,"
    " rule, actor_n, local, pushed, stamp, server_seq)"
    " SELECT c.seq, c.op_id, c.hlc, d.n, c.entity, c.entity_id, c.fields, c.cause, c.rule,"
    " a.n, c.local, c.pushed, c.stamp, c.server_seq FROM changelog c"
    " LEFT JOIN clock_word d ON d.word = c.device LEFT JOIN clock_word a ON a.word = c.actor"
    " ORDER BY c.seq;\n"
    "DROP TABLE changelog;\n"
    /* (the triggers of other tables that read the changelog stay as they are: they name
     * it, not its old columns) */
    "PRAGMA legacy_alter_table = ON;\n"
    "ALTER TABLE changelog_27 RENAME TO changelog;\n", error);
  sqlite3_exec (db, "PRAGMA legacy_alter_table = OFF", NULL, NULL, NULL);
  if (ok)
    {
      g_autofree char *sequence = g_strdup_printf (
        "UPDATE sqlite_sequence SET seq = max (seq, %s) WHERE name = 'changelog';\n"
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'changelog', %s"
        " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'changelog');\n",
        high, high);

      ok = exec (db, sequence, error);
    }
  for (guint i = 0; ok && i < creates->len; i++)
    ok = exec (db, creates->pdata[i], error);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers, NULL);
  return ok;
}

static gboolean
migrate_to_27 (sqlite3  *db,
               GError  **error)
{
  return (has_column (db, "changelog", "device_n") || changelog_words (db, error)) &&
         exec (db, "CREATE INDEX IF NOT EXISTS attachment_hash ON attachment (hash);\n", error);
}

/* Schema 28 (issues 20 and 21): contact_prefix keeps only the first three letters of a
 * contact's words (a shorter word whole); a one- or two-letter search reads the range of
 * those that start with it (crm-search.c). The one- and two-letter rows were 8.9 of a
 * contact's 12.9 search rows: half of writing a new contact, 26 MB of a 353 MB replica.
 * Made from contact_token, with the page index built once after the rows. */
static gboolean
migrate_to_28 (sqlite3  *db,
               GError  **error)
{
  return exec (db, "DROP INDEX IF EXISTS contact_prefix_page;\n", error) &&
         _crm_search_rebuild_prefixes (db, NULL, error) &&
         exec (db, "CREATE INDEX contact_prefix_page ON contact_prefix"
                   " (prefix, rank, name, contact);\n", error);
}

void
crm_schema_append_totals_fill (GString *sql)
{
  g_string_append (sql,
    "DELETE FROM deal_stage_total;\n" DEAL_STAGE_TOTAL_FILL
    "DELETE FROM deal_tag_total;\n" DEAL_TAG_TOTAL_FILL
    "DELETE FROM report_day;\n");
  append_report_day_fill (sql);
  g_string_append (sql,
    "DELETE FROM report_month;\n" REPORT_MONTH_FILL
    "DELETE FROM deal_report;\n" DEAL_REPORT_FILL
    "DELETE FROM deal_no_task;\n" NO_TASK_FILL
    "DELETE FROM rfm_won;\n" RFM_WON_FILL);
}

void
crm_schema_append_people_totals_fill (GString *sql)
{
  g_string_append (sql, "DELETE FROM report_day WHERE what IN ('company', 'contact');\n");
  append_people_days (sql);
  g_string_append (sql,
    "DELETE FROM report_month WHERE what IN ('company', 'contact');\n"
    "INSERT INTO report_month SELECT what, day / 32, pipeline, employee, sum (n), sum (amount)"
    " FROM report_day WHERE what IN ('company', 'contact') GROUP BY 1, 2, 3, 4;\n");
}

static const MigrationFunc migrations[] = {
  migrate_to_1,
  migrate_to_2,
  migrate_to_3,
  migrate_to_4,
  migrate_to_5,
  migrate_to_6,
  migrate_to_7,
  migrate_to_8,
  migrate_to_9,
  migrate_to_10,
  migrate_to_11,
  migrate_to_12,
  migrate_to_13,
  migrate_to_14,
  migrate_to_15,
  migrate_to_16,
  migrate_to_17,
  migrate_to_18,
  migrate_to_19,
  migrate_to_20,
  migrate_to_21,
  migrate_to_22,
  migrate_to_23,
  migrate_to_24,
  migrate_to_25,
  migrate_to_26,
  migrate_to_27,
  migrate_to_28,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CRM_SCHEMA_VERSION);

typedef CrmSchemaRun MigrateRun;

int
crm_schema_progress_handler (void *data)
{
  CrmSchemaRun *run = data;

  if (g_cancellable_is_cancelled (run->cancellable))
    return 1;
  if (run->progress != NULL)
    {
      gint64 now = g_get_monotonic_time ();

      if (now - run->last_told >= 50 * 1000)
        {
          run->last_told = now;
          run->progress (run->step, run->n_steps, run->progress_data);
        }
    }
  return 0;
}

static gboolean
cancelled (MigrateRun  *run,
           int          version,
           GError     **error)
{
  if (!g_cancellable_is_cancelled (run->cancellable))
    return FALSE;
  g_clear_error (error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
               _("The update of the replica was cancelled; it stays at schema %d and is "
                 "updated the next time it is opened"), version);
  return TRUE;
}

gboolean
crm_schema_migrate (sqlite3  *db,
                    GError  **error)
{
  return crm_schema_migrate_full (db, NULL, NULL, NULL, error);
}

gboolean
crm_schema_migrate_full (sqlite3            *db,
                         CrmSchemaProgress   progress,
                         gpointer            progress_data,
                         GCancellable       *cancellable,
                         GError            **error)
{
  MigrateRun run = { progress, progress_data, cancellable, 0, 0, 0 };
  sqlite3_stmt *stmt = NULL;
  int version = 0;
  gboolean ok = TRUE;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      _crm_sqlite_set_read_error (error, db, 0, NULL, "reading its schema version");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > (int) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_SCHEMA_TOO_NEW,
                   _("This replica was written by a newer Voronka (schema %d, this version "
                     "understands up to %d); update the app to open it"),
                   version, (int) G_N_ELEMENTS (migrations));
      return FALSE;
    }
  if (version == (int) G_N_ELEMENTS (migrations))
    return TRUE;

  run.n_steps = G_N_ELEMENTS (migrations) - version;
  for (int step = version; ok && step < (int) G_N_ELEMENTS (migrations); step++)
    {
      g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %d", step + 1);

      run.step = step - version;
      if (progress != NULL)
        {
          run.last_told = g_get_monotonic_time ();
          progress (run.step, run.n_steps, progress_data);
        }
      if (cancelled (&run, step, error))
        ok = FALSE;
      else if (!exec (db, "BEGIN IMMEDIATE", error))
        ok = FALSE;
      else
        {
          /* only the step's own work may be interrupted, never its commit or rollback */
          if (progress != NULL || cancellable != NULL)
            sqlite3_progress_handler (db, 1000, crm_schema_progress_handler, &run);
          ok = migrations[step] (db, error);
          sqlite3_progress_handler (db, 0, NULL, NULL);
          if (!ok || !exec (db, pragma, error))
            {
              sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
              cancelled (&run, step, error);
              ok = FALSE;
            }
          else if (!exec (db, "COMMIT", error))
            ok = FALSE;
          else
            g_debug ("Migrated replica schema to %d", step + 1);
        }
    }
  return ok;
}
