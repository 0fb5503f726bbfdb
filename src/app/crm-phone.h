/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-phone.h — what a rep does with a client's phone number: call it through the
 * desktop's handler of tel: links (a softphone, a paired phone) or copy it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* "tel:+79123456789" for a stored (or typed) number; NULL when it has no digits. */
char      *crm_phone_dup_uri     (const char *phone);
/* Opens the tel: link with the desktop's handler; a toast says so when there is none. */
void       crm_phone_call        (GtkWidget  *widget,
                                  const char *phone);
/* Puts the number on the clipboard as it is shown and toasts «Number copied». */
void       crm_phone_copy        (GtkWidget  *widget,
                                  const char *phone);
/* A call button and a copy button for @phone (flat, side by side, for a row's suffix);
 * they carry the style classes "phone-call" and "phone-copy". */
GtkWidget *crm_phone_buttons_new (const char *phone);

G_END_DECLS
