/* libFuzzer target for the cluster's message decoder (indexer/cluster/wire.c):
 * whatever a zone's subjects carry. A message that decodes must keep every
 * rule the decoder promises: lengths within limits, no NUL inside a string,
 * states that exist, sane times, keys increasing, URLs redacted; one that
 * does not decode says why. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cluster/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void trap_unless(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void check_str(const char *s, size_t max, int required)
{
    trap_unless(s != NULL && strlen(s) <= max && (!required || *s));
}

static void check_time(int64_t t, int required)
{
    trap_unless((!required && t == 0) || (t >= WIRE_TIME_MIN && t < WIRE_TIME_MAX + 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wire_msg m;
    char err[256];
    int rc = wire_decode(data, size, &m, err, sizeof(err));
    if (rc) {
        trap_unless(rc == -EBADMSG || rc == -EPROTO || rc == -ENOMEM);
        trap_unless(err[0] != 0 || rc == -ENOMEM);
        return 0;
    }
    trap_unless(m.kind < WIRE_KIND_COUNT && m.zone[0]);
    check_time(m.sent_ms, 1);
    /* Only the end of an inventory walk may name no camera. */
    trap_unless(m.kind == WIRE_HEARTBEAT || (m.n >= 1 && m.n <= WIRE_ITEMS_MAX) ||
                (m.n == 0 && m.kind == WIRE_CAMERAS && m.walk_end));
    trap_unless(!m.walk_end || (m.kind == WIRE_CAMERAS && m.walk >= WIRE_TIME_MIN));
    trap_unless(m.kind == WIRE_CAMERAS || (!m.walk && !m.walk_end));
    trap_unless(m.walk_total <= WIRE_WALK_MAX);
    for (size_t i = 0; i < m.n; i++) {
        if (m.kind == WIRE_EVENTS) {
            const struct wire_event *e = &m.ev[i];
            check_str(e->camera_id, STORE_ID_MAX, 1);
            check_str(e->reason, STORE_REASON_MAX, 0);
            check_str(e->detail, WIRE_DETAIL_MAX, 0);
            trap_unless(e->from < STORE_STATE_COUNT && e->to < STORE_STATE_COUNT);
            trap_unless(i == 0 || e->key > m.ev[i - 1].key);
            check_time(e->time_ms, 1);
        } else if (m.kind == WIRE_HEALTH) {
            const struct wire_health *h = &m.health[i];
            check_str(h->camera_id, STORE_ID_MAX, 1);
            check_str(h->h.reason, STORE_REASON_MAX, 0);
            trap_unless(h->h.state < STORE_STATE_COUNT);
            check_time(h->h.last_probe, 0);
        } else if (m.kind == WIRE_CAMERAS) {
            const struct wire_camera *c = &m.cam[i];
            check_str(c->cam.id, STORE_ID_MAX, 1);
            check_str(c->cam.url, WIRE_URL_MAX, 1);
            /* Credentials never pass: one '@' at most, redaction's own. */
            const char *at = strchr(c->cam.url, '@');
            if (at) {
                trap_unless(strrchr(c->cam.url, '@') == at && at - c->cam.url >= 6);
                trap_unless(memcmp(at - 6, "://***", 6) == 0);
            }
        } else if (m.kind == WIRE_PICTURE) {
            const struct wire_picture *p = &m.pic[i];
            check_str(p->camera_id, STORE_ID_MAX, 1);
            trap_unless(p->diag.n <= STORE_FINDINGS_MAX);
            for (int k = 0; p->has_diag && k < p->diag.n; k++)
                check_str(p->diag.f[k].reason, STORE_REASON_MAX, 1);
            if (p->has_diag)
                check_time(p->diag.time_ms, 1);
            if (p->has_clock)
                check_time(p->clock.checked_at, 1);
            if (p->has_osd) {
                check_time(p->osd.checked_at, 1);
                trap_unless(p->osd.time_check <= STORE_OSD_WRONG &&
                            p->osd.label_check <= STORE_OSD_WRONG);
                trap_unless(p->osd.similarity >= 0 && p->osd.similarity <= 1);
                check_str(p->osd.text, STORE_OSD_TEXT_MAX, 0);
            }
        }
    }
    wire_msg_free(&m);
    return 0;
}
