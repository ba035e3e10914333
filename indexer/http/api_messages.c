/* GET /api/v1/messages?lang=en|zh: the message catalogue
 * (indexer/views/messages.def) as {key: text} in one language, so the
 * dashboard shows the same words as the CLI: states, reasons, column
 * headings and its own labels (ui.*). Without lang= the browser's
 * Accept-Language chooses, English when it names neither language.
 *
 * Public, like the page itself: the catalogue is the program's own text and
 * holds no data, and the page needs it before it has a token (the token
 * dialog is one of its texts). */
#include <string.h>

#include "http/api_internal.h"
#include "views/messages.h"

int api_messages(struct api_req *a)
{
    static const char *const known[] = {"lang", NULL};
    if (api_check_params(a, known))
        return 0;
    /* lang=, else Accept-Language, else English (api_lang, for every route). */
    enum msg_lang lang = a->lang;
    json_t *o = json_object();
    for (size_t i = 0; o && i < msg_count(); i++) {
        const struct msg_entry *e = msg_at(i);
        if (json_object_set_new(o, e->key, json_string(msg_text(e->key, lang)))) {
            json_decref(o);
            o = NULL;
        }
    }
    h2o_req_t *req = a->req;
    const char *tag = lang == MSG_ZH ? "zh-CN" : "en";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_LANGUAGE, NULL, tag,
                   strlen(tag));
    /* The answer without lang= depends on the header: a cache in between
     * must not hand one person's language to another. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL,
                   H2O_STRLIT("Accept-Language"));
    return api_json(a, 200, o);
}
