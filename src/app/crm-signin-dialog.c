/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-signin-dialog.c — the sign-in steps, all asynchronous: probe the certificate
 * (ask once about a self-signed one), sign in and run the first sync in the sync
 * client's worker thread, keep the token in the keyring, note the server in the replica. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-certificate.h"
#include "crm-signin-dialog.h"
#include "crm-store.h"
#include "crm-widget-util.h"
#ifdef VORONKA_HAVE_SYNC
#include "crm-client-config.h"
#include "crm-credentials.h"
#include "crm-sync-client.h"
#endif

struct _CrmSigninDialog
{
  AdwWindow            parent_instance;

  char                *replica_path;
  char                *fingerprint;
  char                *pem;
  char                *token;
  GCancellable        *cancellable;
  gboolean             busy;
#ifdef VORONKA_HAVE_SYNC
  CrmSyncClient       *client;
  CrmClientPreset     *preset;     /* the administrator's server and certificate */
  char                *ca_path;    /* the certificate the sign-in trusts, or NULL */
#endif

  AdwEntryRow         *url_row;
  AdwActionRow        *preset_row;
  AdwEntryRow         *user_row;
  AdwPasswordEntryRow *password_row;
  AdwActionRow        *invite_row;
  GtkSwitch           *invite_switch;
  AdwEntryRow         *code_row;
  AdwPasswordEntryRow *password2_row;
  GtkWidget           *unavailable_box;
  AdwPreferencesGroup *certificate_group;
  GtkLabel            *fingerprint_label;
  GtkCheckButton      *trust_check;
  GtkLabel            *status_label;
  GtkSpinner          *spinner;
  GtkButton           *sign_in_button;
};

G_DEFINE_FINAL_TYPE (CrmSigninDialog, crm_signin_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
crm_signin_dialog_is_available (void)
{
#ifdef VORONKA_HAVE_SYNC
  return TRUE;
#else
  return FALSE;
#endif
}

static void
set_status (CrmSigninDialog *self,
            const char      *text,
            gboolean         is_error)
{
  gtk_label_set_label (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL && *text != '\0');
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
set_busy (CrmSigninDialog *self,
          gboolean         busy)
{
  self->busy = busy;
  /* a field made insensitive keeps no focus (its cursor would blink on, unfocused) */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy && crm_signin_dialog_is_available ());
  gtk_widget_set_sensitive (GTK_WIDGET (self->url_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->user_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->invite_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password2_row), !busy);
  if (!busy && gtk_root_get_focus (GTK_ROOT (self)) == NULL &&
      gtk_widget_get_sensitive (GTK_WIDGET (self->sign_in_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->sign_in_button));
}

static gboolean
inviting (CrmSigninDialog *self)
{
  return gtk_switch_get_active (self->invite_switch);
}

static char *
entry_text (gpointer row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

#ifdef VORONKA_HAVE_SYNC

/* What a person reads when the server cannot be reached: what it means and what to do,
 * without the network library's own words; other errors say what they say. */
static char *
unreachable_message (const char   *url,
                     const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup_printf (_("The server %s does not answer. Check the address with your "
                              "administrator, or work offline for now: an account on this "
                              "computer can be signed in to a server later."), url);
  return g_strdup_printf (_("Cannot reach %s: %s"), url, error->message);
}

static gboolean
is_loopback_http (const char *url)
{
  return g_str_has_prefix (url, "http://127.0.0.1") || g_str_has_prefix (url, "http://localhost") ||
         g_str_has_prefix (url, "http://[::1]");
}

/* The administrator's certificate, when @url is their server. */
static const char *
preset_ca_for (CrmSigninDialog *self,
               const char      *url)
{
  if (self->preset == NULL || self->preset->ca_file == NULL ||
      !crm_server_url_equal (url, self->preset->server))
    return NULL;
  return self->preset->ca_file;
}

static void
token_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Not fatal: this session syncs with the token in memory; next time the app asks for
   * the password again. */
  if (!crm_credentials_store_token_finish (result, &error))
    g_message ("The sign-in could not be kept in the keyring: %s", error->message);
}

static void
synced_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CrmSigninDialog) self = user_data;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *url = g_strdup (crm_sync_client_get_server_url (CRM_SYNC_CLIENT (source)));
  /* with an invitation the server said who they are ("NAME@ACCOUNT") */
  g_autofree char *user = inviting (self)
                          ? g_strdup (crm_sync_client_get_user (CRM_SYNC_CLIENT (source)))
                          : entry_text (self->user_row);
  g_autofree char *ca_pem = NULL;
  const char *token;

  report = crm_sync_client_sync_finish (CRM_SYNC_CLIENT (source), result, &error);
  set_busy (self, FALSE);
  if (report == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = unreachable_message (url, error);

          set_status (self, text, TRUE);
        }
      return;
    }

  token = report->token != NULL ? report->token : crm_sync_client_get_token (CRM_SYNC_CLIENT (source));
  if (token != NULL)
    {
      g_free (self->token);
      self->token = g_strdup (token);
      crm_credentials_store_token_async (url, user, token, NULL, token_stored_cb, NULL);
    }

  /* The replica remembers its server (one spelling), who signed in and the certificate
   * it trusted, like voronkactl's; the app works as that user. */
  if (self->ca_path != NULL)
    g_file_get_contents (self->ca_path, &ca_pem, NULL, NULL);
  store = crm_store_open (self->replica_path, &error);
  if (store == NULL ||
      !crm_store_set_meta (store, "sync.server", url, &error) ||
      !crm_store_set_meta (store, "sync.user", user, &error) ||
      !crm_store_set_meta (store, "sync.ca", ca_pem, &error) ||
      (report->session != NULL && report->session->user_id != NULL &&
       !crm_store_set_meta (store, "app.user", report->session->user_id, &error)))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  g_clear_object (&store);

  /* Whoever listens may close our parent (the welcome window): let go of it first. */
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  gtk_window_set_transient_for (GTK_WINDOW (self), NULL);
  g_signal_emit (self, signals[SIGNED_IN], 0, self->replica_path);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
redeemed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CrmSigninDialog) self = user_data;
  g_autoptr(CrmSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = crm_sync_client_redeem_invite_finish (CRM_SYNC_CLIENT (source), result, &error);
  if (session == NULL)
    {
      set_busy (self, FALSE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* the server's own words (a code unknown, used, expired) need no prefix */
          g_autofree char *text =
            error->domain == CRM_SYNC_ERROR &&
            error->code != CRM_SYNC_ERROR_SERVER_UNREACHABLE
            ? g_strdup (error->message)
            : unreachable_message (crm_sync_client_get_server_url (CRM_SYNC_CLIENT (source)),
                                   error);

          set_status (self, text, TRUE);
        }
      return;
    }
  {
    /* Translators: after an invitation code was accepted: "Welcome, Анна! Fetching …" */
    g_autofree char *text = g_strdup_printf (_("Welcome, %s! Fetching the account…"),
                                             session->user_name);

    set_status (self, text, FALSE);
  }
  crm_sync_client_sync_async (self->client, self->cancellable, synced_cb, g_object_ref (self));
}

static void
start_sync (CrmSigninDialog *self)
{
  g_autofree char *url = entry_text (self->url_row);
  g_autofree char *user = entry_text (self->user_row);
  g_autofree char *ca_path = crm_certificate_dup_path (url);
  const char *preset_ca = preset_ca_for (self, url);
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->client);
  self->client = crm_sync_client_new (self->replica_path, url, inviting (self) ? NULL : user);
  crm_sync_client_set_password (self->client, gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  crm_sync_client_set_allow_insecure (self->client, is_loopback_http (url));
  g_clear_pointer (&self->ca_path, g_free);
  if (preset_ca != NULL)
    {
      /* the administrator's certificate: trusted without asking */
      if (!crm_sync_client_set_ca_file (self->client, preset_ca, &error))
        {
          g_autofree char *text = g_strdup_printf (_("The certificate your administrator set "
                                                     "up (%s) cannot be used: %s"),
                                                   self->preset->source, error->message);

          set_status (self, text, TRUE);
          return;
        }
      self->ca_path = g_strdup (preset_ca);
    }
  else if (ca_path != NULL && g_file_test (ca_path, G_FILE_TEST_EXISTS))
    {
      if (!crm_sync_client_set_ca_file (self->client, ca_path, &error))
        {
          set_status (self, error->message, TRUE);
          return;
        }
      self->ca_path = g_steal_pointer (&ca_path);
    }
  set_busy (self, TRUE);
  if (inviting (self))
    {
      g_autofree char *code = entry_text (self->code_row);

      set_status (self, _("Checking the invitation code…"), FALSE);
      crm_sync_client_redeem_invite_async (self->client, code,
                                           gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                           self->cancellable, redeemed_cb, g_object_ref (self));
      return;
    }
  set_status (self, _("Signing in and fetching the account…"), FALSE);
  crm_sync_client_sync_async (self->client, self->cancellable, synced_cb, g_object_ref (self));
}

static void
probed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CrmSigninDialog) self = user_data;
  g_auto(CrmCertificateInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *url = entry_text (self->url_row);
  g_autofree char *accepted = crm_certificate_dup_accepted (url);
  g_autofree char *question = NULL;

  set_busy (self, FALSE);
  if (!crm_certificate_probe_finish (result, &info, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = unreachable_message (url, error);

          set_status (self, text, TRUE);
        }
      return;
    }
  if (info.errors == 0 || g_strcmp0 (accepted, info.fingerprint) == 0)
    {
      start_sync (self);
      return;
    }

  /* Self-signed (or otherwise untrusted): ask once, by fingerprint. */
  g_free (self->fingerprint);
  g_free (self->pem);
  self->fingerprint = g_steal_pointer (&info.fingerprint);
  self->pem = g_steal_pointer (&info.pem);
  gtk_label_set_label (self->fingerprint_label, self->fingerprint);
  gtk_check_button_set_active (self->trust_check, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_group), TRUE);
  question = g_strdup (accepted != NULL
                       ? _("The server's certificate changed since you accepted it. Compare the "
                           "fingerprint with your administrator before trusting it.")
                       : _("The server's certificate is not signed by an authority this computer "
                           "trusts. Compare its fingerprint with the one your administrator gave you."));
  set_status (self, question, TRUE);
}

#endif /* VORONKA_HAVE_SYNC */

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmSigninDialog *self = CRM_SIGNIN_DIALOG (widget);
  g_autofree char *url = entry_text (self->url_row);
  g_autofree char *user = entry_text (self->user_row);

  if (!crm_signin_dialog_is_available () || self->busy)
    return;
  /* «crm.example.ru» means https://crm.example.ru: say so in the field */
  if (*url != '\0' && strstr (url, "://") == NULL && strchr (url, ' ') == NULL)
    {
      g_autofree char *with_scheme = g_strconcat ("https://", url, NULL);

      gtk_editable_set_text (GTK_EDITABLE (self->url_row), with_scheme);
      g_free (url);
      url = g_steal_pointer (&with_scheme);
    }
  if (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://"))
    {
      set_status (self, _("Write the server's address like https://crm.example.ru:8443"), TRUE);
      return;
    }
  if (inviting (self))
    {
      g_autofree char *code = entry_text (self->code_row);
      const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

      if (*code == '\0')
        {
          set_status (self, _("Write the invitation code your administrator gave you"), TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
          return;
        }
      if (g_utf8_strlen (password, -1) < 8)
        {
          set_status (self, _("Choose a password of at least 8 characters"), TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
          return;
        }
      if (!g_str_equal (password, gtk_editable_get_text (GTK_EDITABLE (self->password2_row))))
        {
          set_status (self, _("The two passwords differ; type the same one twice"), TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->password2_row));
          return;
        }
    }
  else if (*user == '\0' || *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) == '\0')
    {
      set_status (self, _("Write your user name and password"), TRUE);
      return;
    }

#ifdef VORONKA_HAVE_SYNC
  if (self->fingerprint != NULL && gtk_widget_get_visible (GTK_WIDGET (self->certificate_group)))
    {
      g_autoptr(GError) error = NULL;

      if (!gtk_check_button_get_active (self->trust_check))
        {
          set_status (self, _("Tick “Trust this certificate” if the fingerprints match"), TRUE);
          return;
        }
      if (!crm_certificate_accept (url, self->pem, &error))
        {
          set_status (self, error->message, TRUE);
          return;
        }
      gtk_widget_set_visible (GTK_WIDGET (self->certificate_group), FALSE);
      start_sync (self);
      return;
    }
  if (g_str_has_prefix (url, "https://") && preset_ca_for (self, url) == NULL)
    {
      set_status (self, _("Connecting…"), FALSE);
      set_busy (self, TRUE);
      crm_certificate_probe_async (url, self->cancellable, probed_cb, g_object_ref (self));
      return;
    }
  start_sync (self);
#endif
}

/* «У меня есть код приглашения»: the code and a password chosen twice instead of a user
 * name. */
static void
invite_toggled_cb (CrmSigninDialog *self)
{
  gboolean on = inviting (self);
  GtkWidget *hidden = on ? GTK_WIDGET (self->user_row) : GTK_WIDGET (self->code_row);
  GtkWidget *shown = on ? GTK_WIDGET (self->code_row) : GTK_WIDGET (self->user_row);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  gtk_widget_set_visible (shown, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->password2_row), on);
  /* the row going away may hold the focus: it moves to the row that takes its place */
  if (focus != NULL && (focus == hidden || gtk_widget_is_ancestor (focus, hidden)))
    gtk_widget_grab_focus (shown);
  gtk_widget_set_visible (hidden, FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row),
                                 on ? _("Choose a password") : _("Password"));
  gtk_button_set_label (self->sign_in_button, on ? _("_Join") : _("_Sign In"));
  set_status (self, NULL, FALSE);
}

static void
url_changed_cb (CrmSigninDialog *self)
{
  /* another server: whatever was asked about the old one does not apply */
  g_clear_pointer (&self->fingerprint, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_group), FALSE);
#ifdef VORONKA_HAVE_SYNC
  {
    g_autofree char *url = entry_text (self->url_row);

    /* the administrator's server: say so, and that its certificate is trusted */
    gtk_widget_set_visible (GTK_WIDGET (self->preset_row),
                            self->preset != NULL && crm_server_url_equal (url, self->preset->server));
    adw_action_row_set_subtitle (self->preset_row,
                                 preset_ca_for (self, url) != NULL
                                 ? _("Its certificate is trusted; only your user name and "
                                     "password are needed")
                                 : _("Only your user name and password are needed"));
  }
#endif
}

static void
crm_signin_dialog_dispose (GObject *object)
{
  CrmSigninDialog *self = CRM_SIGNIN_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
#ifdef VORONKA_HAVE_SYNC
  g_clear_object (&self->client);
  g_clear_pointer (&self->preset, crm_client_preset_free);
  g_clear_pointer (&self->ca_path, g_free);
#endif
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_SIGNIN_DIALOG);
  G_OBJECT_CLASS (crm_signin_dialog_parent_class)->dispose (object);
}

static void
crm_signin_dialog_finalize (GObject *object)
{
  CrmSigninDialog *self = CRM_SIGNIN_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->replica_path, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->pem, g_free);
  g_clear_pointer (&self->token, g_free);
  G_OBJECT_CLASS (crm_signin_dialog_parent_class)->finalize (object);
}

static void
crm_signin_dialog_class_init (CrmSigninDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_signin_dialog_dispose;
  object_class->finalize = crm_signin_dialog_finalize;

  /* The first sync is done: the replica's path. */
  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-signin-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, preset_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, unavailable_box);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, certificate_group);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, fingerprint_label);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, trust_check);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, invite_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, invite_switch);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, code_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSigninDialog, password2_row);
  gtk_widget_class_bind_template_callback (widget_class, url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, invite_toggled_cb);

  gtk_widget_class_install_action (widget_class, "signin.sign-in", NULL, sign_in_action);
  crm_window_class_install_cancel (widget_class, "signin.cancel");
}

static void
crm_signin_dialog_init (CrmSigninDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (self->unavailable_box, !crm_signin_dialog_is_available ());
  set_busy (self, FALSE);
}

CrmSigninDialog *
crm_signin_dialog_new (GtkWindow  *parent,
                       const char *replica_path,
                       const char *server_url)
{
  CrmSigninDialog *self = g_object_new (CRM_TYPE_SIGNIN_DIALOG, "transient-for", parent, NULL);

  self->replica_path = g_strdup (replica_path);
#ifdef VORONKA_HAVE_SYNC
  {
    g_autoptr(GError) error = NULL;

    /* the administrator's preset: the server filled in, its certificate trusted */
    self->preset = crm_client_preset_load (&error);
    if (error != NULL)
      g_message ("No preset server: %s", error->message);
    if (server_url == NULL && self->preset != NULL)
      server_url = self->preset->server;
  }
#endif
  if (server_url != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->url_row), server_url);
  return self;
}

void
crm_signin_dialog_fill (CrmSigninDialog *self,
                        const char      *server_url,
                        const char      *user,
                        const char      *password)
{
  g_return_if_fail (CRM_IS_SIGNIN_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), server_url != NULL ? server_url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user != NULL ? user : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password != NULL ? password : "");
}

void
crm_signin_dialog_fill_invite (CrmSigninDialog *self,
                               const char      *server_url,
                               const char      *code,
                               const char      *password,
                               const char      *repeated)
{
  g_return_if_fail (CRM_IS_SIGNIN_DIALOG (self));
  gtk_switch_set_active (self->invite_switch, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), server_url != NULL ? server_url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), code != NULL ? code : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password != NULL ? password : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password2_row), repeated != NULL ? repeated : "");
}

const char *
crm_signin_dialog_get_status (CrmSigninDialog *self)
{
  g_return_val_if_fail (CRM_IS_SIGNIN_DIALOG (self), NULL);
  return gtk_label_get_label (self->status_label);
}

const char *
crm_signin_dialog_get_fingerprint (CrmSigninDialog *self)
{
  g_return_val_if_fail (CRM_IS_SIGNIN_DIALOG (self), NULL);
  return self->fingerprint;
}

const char *
crm_signin_dialog_get_token (CrmSigninDialog *self)
{
  g_return_val_if_fail (CRM_IS_SIGNIN_DIALOG (self), NULL);
  return self->token;
}
