/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-json-private.h — canonical JSON text (sorted keys, no spaces), so that equal
 * values are equal bytes in the replica and in the changelog. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-json.h"

G_BEGIN_DECLS

char     *crm_json_to_canonical  (JsonNode   *node);
char     *crm_json_object_to_canonical (JsonObject *object);
/* json-glib's generator on a key-sorted copy: what crm_json_to_canonical() must equal. */
char     *_crm_json_to_canonical_generated (JsonNode *node);

/* A new node owning @object / @array (no extra reference). */
JsonNode   *crm_json_node_take_object (JsonObject *object);
JsonNode   *crm_json_node_take_array  (JsonArray  *array);
/* A copy that shares nothing with @object (keys sorted). */
JsonObject *crm_json_object_deep_copy (JsonObject *object);

G_END_DECLS
