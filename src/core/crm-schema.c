/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-schema.c — entity descriptors and the numbered migrations of the replica. */
#define G_LOG_DOMAIN "voronka-schema"

#include "crm-schema.h"
#include "crm-error.h"
#include "crm-store.h"

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
static const CrmColumn notification_columns[] = {
  T ("user"), T ("text"), T ("deal"), B ("read"), I ("created_at"), END
};

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

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT,
                   "Could not update the replica's schema: %s", msg ? msg : "unknown error");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Migration 1: every entity table of DESIGN.md's data model, the changelog, the
 * derived search table and local-only bookkeeping (meta, conflicts). */
static gboolean
migrate_to_1 (sqlite3  *db,
              GError  **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (entity_types); i++)
    {
      const CrmEntityType *type = &entity_types[i];

      g_string_append_printf (sql, "CREATE TABLE \"%s\" (id TEXT PRIMARY KEY NOT NULL", type->name);
      for (const CrmColumn *c = type->columns; c->name != NULL; c++)
        g_string_append_printf (sql, ", \"%s\" %s", c->name, column_sql_type (c->kind));
      g_string_append (sql, ", deleted INTEGER NOT NULL DEFAULT 0"
                            ", data TEXT NOT NULL DEFAULT '{}'"
                            ", clocks TEXT NOT NULL DEFAULT '{}'"
                            ", hlc INTEGER NOT NULL DEFAULT 0);\n");
    }

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

typedef gboolean (*MigrationFunc) (sqlite3 *db, GError **error);

/* Migration N brings user_version N-1 to N. Append new steps; never edit old ones. */
static const MigrationFunc migrations[] = {
  migrate_to_1,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CRM_SCHEMA_VERSION);

gboolean
crm_schema_migrate (sqlite3  *db,
                    GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int version = 0;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT,
                   "The file is not a Voronka replica or is damaged: %s", sqlite3_errmsg (db));
      return FALSE;
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > (int) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_SCHEMA_TOO_NEW,
                   "This replica was written by a newer Voronka (schema %d, this version "
                   "understands up to %d); update the app to open it",
                   version, (int) G_N_ELEMENTS (migrations));
      return FALSE;
    }

  for (int step = version; step < (int) G_N_ELEMENTS (migrations); step++)
    {
      g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %d", step + 1);

      if (!exec (db, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!migrations[step] (db, error) || !exec (db, pragma, error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!exec (db, "COMMIT", error))
        return FALSE;
      g_debug ("Migrated replica schema to %d", step + 1);
    }
  return TRUE;
}
