/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-mail.c — an e-mail a mailbox delivers to the server (requests from mailboxes):
 * crm_mail_parse() decodes it or says it is malformed; what it returns is UTF-8 text, a
 * normalized sender address and attachments with plain file names, whatever came in. */
#include "fuzz-common.h"

#include "crm-request.h"
#include "crm-server-mail.h"

static void
assert_text (const char *text)
{
  if (text != NULL)
    g_assert_true (g_utf8_validate (text, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CrmMail) mail = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  mail = crm_mail_parse (data, size, CRM_MAIL_DEFAULT_MAX_DEPTH, &error);
  if (mail == NULL)
    {
      g_assert_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_MALFORMED);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);
  g_assert_nonnull (mail->from_email);
  {
    g_autofree char *again = crm_email_normalize (mail->from_email);

    g_assert_cmpstr (again, ==, mail->from_email);
  }
  assert_text (mail->from_name);
  assert_text (mail->subject);
  assert_text (mail->text);
  assert_text (mail->message_id);
  for (guint i = 0; i < mail->attachments->len; i++)
    {
      CrmMailAttachment *attachment = mail->attachments->pdata[i];

      g_assert_true (g_utf8_validate (attachment->name, -1, NULL));
      g_assert_null (strchr (attachment->name, '/'));
      g_assert_cmpstr (attachment->name, !=, "..");
      g_assert_nonnull (attachment->mime);
      g_assert_nonnull (attachment->data);
    }
  return 0;
}
