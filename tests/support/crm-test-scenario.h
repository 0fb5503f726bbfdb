/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-scenario.h — the short names the scenario tests (test-scenario-s*.c) read
 * voronkactl's answers with. Include it after defining NOW (the pinned clock) and
 * OK (f, ARGS…) (a voronkactl run that must succeed, on the fixture's replica). */
#pragma once

#include "crm-test-util.h"

#define str(object, member)      crm_test_get_string ((object), (member))
#define id_of(node)              crm_test_dup_id (node)
#define has_string(array, value) crm_test_has_string ((array), (value))
#define show(f, deal_id)         crm_test_take_object (OK (f, "deal", "show", (deal_id)))
#define n_tasks(f)               crm_test_take_length (OK (f, "task", "list"))
#define log_length(f)            crm_test_take_length (OK (f, "log"))
#define only_deal_in(f, name)    crm_test_only_deal_in ((f)->db, NOW, (name))
