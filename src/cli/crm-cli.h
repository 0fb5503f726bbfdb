/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli.h — what the files of voronkactl share: the invocation (global options, the
 * open replica, the acting user), option parsing, input helpers and output helpers. */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_CLI_ERROR (crm_cli_error_quark ())

/* Errors of the command line itself; everything else is a CRM_STORE_ERROR. */
typedef enum {
  CRM_CLI_ERROR_USAGE,  /* exit status 2 */
} CrmCliError;

GQuark crm_cli_error_quark (void);

typedef struct {
  /* global options */
  char      *db_path;
  char      *as;
  char      *now_text;
  gboolean   json;

  /* set by crm_cli_open() */
  CrmStore  *store;
  char      *actor_id;
  gint64     now_ms;      /* 0: the real clock */

  /* details of the last refused change set, for the JSON error */
  JsonObject *refusal;
} CrmCli;

typedef gboolean (*CrmCliCommandFunc) (CrmCli   *cli,
                                       int       argc,
                                       char    **argv,
                                       GError  **error);

/* Parses a command's own options plus the global ones (accepted after the command too).
 * On return argv holds the program name followed by the positional arguments; exactly
 * @n_positional of them are required (-1: any number). Option errors are USAGE. */
gboolean    crm_cli_parse          (CrmCli             *cli,
                                    const char         *command,
                                    const char         *parameter_string,
                                    const char         *summary,
                                    const GOptionEntry *entries,
                                    int                *argc,
                                    char             ***argv,
                                    int                 n_positional,
                                    GError            **error);

/* Parses --now (once), opens the replica named by --db and resolves --as. */
gboolean    crm_cli_open           (CrmCli   *cli,
                                    GError  **error);
/* crm_store_open() for a command: an update of an older schema that takes more than a
 * second says so once on stderr (stdout stays the command's own). */
CrmStore   *crm_cli_open_store     (const char  *path,
                                    GError     **error);
/* A usage error for `--db ""` (an empty path is not "the default replica"). */
gboolean    crm_cli_check_db_option (CrmCli   *cli,
                                     GError  **error);
/* The --db path or the default replica under $XDG_DATA_HOME/voronka/. */
char       *crm_cli_dup_db_path    (CrmCli *cli);
/* Parses --now into cli->now_ms (0 when not given). */
gboolean    crm_cli_parse_now      (CrmCli   *cli,
                                    GError  **error);
/* The store's clock (the pinned --now or the real clock). */
gint64      crm_cli_now            (CrmCli *cli);

/* Applies @changeset as the acting user; keeps the refusal details for the error. */
gboolean    crm_cli_apply          (CrmCli        *cli,
                                    CrmChangeset  *changeset,
                                    GError       **error);

/* Error helpers: a USAGE error, and a "missing required option" one. */
gboolean    crm_cli_usage_error    (GError     **error,
                                    const char  *format,
                                    ...) G_GNUC_PRINTF (2, 3);
gboolean    crm_cli_require        (const char  *value,
                                    const char  *option,
                                    GError     **error);

/* Input: money ("1500000.00"), dates (ISO 8601, "today", "tomorrow", "+3d", "+2h"),
 * integers. Errors are INVALID_INPUT naming @option and the text. */
gboolean    crm_cli_parse_money    (const char  *text,
                                    const char  *option,
                                    gint64      *out_minor,
                                    GError     **error);
gboolean    crm_cli_parse_date     (CrmCli      *cli,
                                    const char  *text,
                                    const char  *option,
                                    gint64      *out_ms,
                                    GError     **error);

/* Resolves @name_or_id (crm_query_resolve) in @scope. */
char       *crm_cli_resolve        (CrmCli      *cli,
                                    const char  *entity,
                                    const char  *name_or_id,
                                    const char  *scope,
                                    GError     **error);

/* Custom fields: validates "key=value" against the `field` entities of @entity and
 * sets the typed value on @change. Unknown keys are INVALID_INPUT listing the known
 * ones; a value outside the choices lists the choices. */
gboolean    crm_cli_set_field      (CrmCli      *cli,
                                    CrmChange   *change,
                                    const char  *entity,
                                    const char  *assignment,
                                    GError     **error);
gboolean    crm_cli_set_field_value (CrmCli      *cli,
                                     CrmChange   *change,
                                     const char  *entity,
                                     const char  *key,
                                     const char  *value,
                                     GError     **error);

/* Rewrites the "fields" of @object (an entity of @entity) for output: money fields as
 * decimal strings, date fields as ISO 8601. FALSE when the field definitions could not be
 * read. */
gboolean    crm_cli_present_fields (CrmCli      *cli,
                                    JsonObject  *object,
                                    const char  *entity,
                                    GError     **error);

/* Output: one JSON document on stdout (UTF-8, pretty printed). */
void        crm_cli_print_json     (JsonNode *node);
void        crm_cli_print_json_object (JsonObject *object);

/* An aligned plain-text table; @rows holds GStrv rows, the first one the header
 * (NULL: no header). Widths count characters, not bytes. */
void        crm_cli_print_table    (const char * const *header,
                                    GPtrArray          *rows);
/* A table of the string @members of each object of the array @list ("id" shortened). */
void        crm_cli_print_list     (JsonNode           *list,
                                    const char * const *header,
                                    const char * const *members);
/* "label   value" lines with the labels padded to @width characters. */
void        crm_cli_print_pair     (const char *label,
                                    const char *value,
                                    guint       width);

/* JSON member helpers for output: a string member or "" / @fallback. */
const char *crm_cli_str            (JsonObject *object,
                                    const char *member,
                                    const char *fallback);
/* "a, b, c" of a string array member. */
char       *crm_cli_join_array     (JsonObject *object,
                                    const char *member);
/* An id as shown to people in tables. */
char       *crm_cli_display_id       (const char *id);

/* Command groups (crm-cli-<group>.c). */
gboolean crm_cli_init           (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_template_list  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_pipelines      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_user_add       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_user_list      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_user_set       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_role_list      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_role_add       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_role_set       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_role_remove    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_user_deactivate (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_user_reactivate (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_tag_list       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_search         (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_report_list    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_report         (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_plan_set       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_plan_list      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_import         (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_export         (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_contact_add    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_contact_list   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_company_add    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_contact_duplicates (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_company_duplicates (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_contact_merge  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_company_merge  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_company_set    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_company_show   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_contact_set    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_contact_show   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_field_set      (CrmCli *cli, int argc, char **argv, GError **error);
/* the account's setup (crm-cli-setup.c) */
gboolean crm_cli_tag_add        (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_tag_rename     (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_tag_merge      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_tag_remove     (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_pipeline_add   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_pipeline_archive (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_pipeline_rename (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_pipeline_restore (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_reason_list    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_reason_add     (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_reason_rename  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_reason_remove  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_stage_add      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_stage_set      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_stage_remove   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_stage_rename   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_stage_move     (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_field_add      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_account_show   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_account_set    (CrmCli *cli, int argc, char **argv, GError **error);
/* The custom fields of @object's "fields" as "label  value" lines, hidden ones left out;
 * FALSE when the field definitions could not be read. */
gboolean crm_cli_print_custom_fields (CrmCli *cli, JsonObject *object, const char *entity,
                                      GError **error);
gboolean crm_cli_contact_bad_data (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_payer_add      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_payer_list     (CrmCli *cli, int argc, char **argv, GError **error);
/* `participant …` (crm-cli-participant.c), S4-10. */
gboolean crm_cli_participant_add          (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_participant_set          (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_participant_list         (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_participant_checkin      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_participant_badge        (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_participant_certificates (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_participant_export       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_participant_ask_nps      (CrmCli *cli, int argc, char **argv, GError **error);
/* `deal set ID --payer INN|NAME [--payer-name N --payer-kpp K]` (crm-cli-payer.c). */
gboolean crm_cli_deal_set_payer (CrmCli *cli, const char *deal_id, const char *payer,
                                 const char *new_name, const char *new_kpp, GError **error);
gboolean crm_cli_list_save      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_list_list      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_list_delete    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rfm_segments   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rfm_segment_set (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rfm_show       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_deal_add_many  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_deal_add       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_deal_move      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_deal_set       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_deal_show      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_deal_list      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_task_add       (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_task_list      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_task_done      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_log            (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_status         (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rules          (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rule_show      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rule_enable    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rule_disable   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rule_import    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rule_test      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_rule_export    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_tick           (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_attach         (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_attachment_list (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_attachment_get (CrmCli *cli, int argc, char **argv, GError **error);

/* crm-cli-sync.c: a client of the server this replica remembers (or the administrator
 * pre-set), with the saved sign-in or the password read from standard input. */
struct _CrmSyncClient;
struct _CrmSyncClient *crm_cli_remembered_client (CrmCli    *cli,
                                                  gboolean   password_stdin,
                                                  gboolean   insecure,
                                                  GError   **error);
/* `user invite` (crm-cli-sync.c): a one-time code for a new user, from the server. */
gboolean crm_cli_user_invite    (CrmCli *cli, int argc, char **argv, GError **error);
/* `user invites` / `user uninvite NAME` (crm-cli-sync.c): the invitations waiting, and
 * withdrawing one, through the server. */
gboolean crm_cli_user_invites   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_user_uninvite  (CrmCli *cli, int argc, char **argv, GError **error);
/* A sync or keyring error as the CLI's stable codes; takes @error. */
GError  *crm_cli_sync_error      (GError *error);
gboolean crm_cli_notification_list (CrmCli *cli, int argc, char **argv, GError **error);
/* crm-cli-call.c */
gboolean crm_cli_call_list      (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_call_show      (CrmCli *cli, int argc, char **argv, GError **error);
/* `deal show`, `contact show`: the deal's or contact's calls as the "calls" member of
 * @object, and printed for people. */
gboolean crm_cli_add_calls      (CrmCli *cli, JsonObject *object, const char *contact_id,
                                 const char *deal_id, GError **error);
void     crm_cli_print_calls    (JsonArray *calls);
gboolean crm_cli_message_template (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_message_send   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_message_list   (CrmCli *cli, int argc, char **argv, GError **error);
/* crm-cli-schedule.c */
gboolean crm_cli_schedule_set   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_schedule_off   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_schedule_shift (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_schedule_show  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_schedule_now   (CrmCli *cli, int argc, char **argv, GError **error);
/* crm-cli-approval.c */
/* Adds "discounts": [{"brand", "brand_id", "discount"}] — the discounts of the brands of
 * a "deal" or "company" (S3-9) — to @object, as `deal show` and `company show` print it. */
gboolean crm_cli_add_discounts     (CrmCli *cli, JsonObject *object, const char *entity,
                                    const char *entity_id, GError **error);
/* Those discounts for people: "Jura 10 %, Franke 8 %", or NULL when none is set. */
char    *crm_cli_discounts_text    (JsonObject *object);
gboolean crm_cli_approval_list     (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_show     (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_request  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_approve  (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_reject   (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_discounts (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_discount (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_registry (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_approval_settings (CrmCli *cli, int argc, char **argv, GError **error);
/* crm-cli-undo.c */
gboolean crm_cli_deal_delete    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_contact_delete (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_company_delete (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_task_delete    (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_undo           (CrmCli *cli, int argc, char **argv, GError **error);
/* crm-cli-sync.c, built when the sync client is available */
gboolean crm_cli_sync           (CrmCli *cli, int argc, char **argv, GError **error);
gboolean crm_cli_conflicts      (CrmCli *cli, int argc, char **argv, GError **error);

G_END_DECLS
