/* Texts for people beside the codes of a shape: state_text, reason_text,
 * from_text and to_text in a language, while state, reason, from and to
 * stay the stable codes programs match on. */
#ifndef CAMDEX_VIEWS_VIEW_LANG_H
#define CAMDEX_VIEWS_VIEW_LANG_H

#include <jansson.h>

#include "views/messages.h"

/* Adds NAME_text beside each of state, reason, from and to that `o` holds
 * as a string: the catalogue's text in `lang` ("" for an empty reason, the
 * code itself when the catalogue does not know it). 0, or -ENOMEM. */
int view_add_texts(json_t *o, enum msg_lang lang);

/* For tables people read: replaces the codes of state, reason, from and to
 * in every row of `rows` by their texts in `lang`. English keeps the codes
 * (what --state and --reason take). */
void view_codes_to_texts(json_t *rows, enum msg_lang lang);

#endif
