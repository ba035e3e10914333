/* The cluster's Prometheus series (text exposition format): a prober's
 * publishing, each zone as the central sees it. Appended to /metrics. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/prober_send.h"

struct text {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !t->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)(n > 0 ? n : 0)) * 2 + 1024;
        char *b = realloc(t->buf, cap);
        if (!b || n < 0) {
            free(b ? b : t->buf);
            t->buf = NULL;
            t->failed = true;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
}

static void prober_series(struct text *t, struct cluster_prober *p, const char *zone)
{
    struct cluster_prober_stats st;
    cluster_prober_get_stats(p, &st);
    add(t,
        "# HELP camdex_cluster_connected 1 while the prober is connected to NATS.\n"
        "# TYPE camdex_cluster_connected gauge\ncamdex_cluster_connected{zone=\"%s\"} %d\n",
        zone, st.connected);
    add(t, "# HELP camdex_cluster_published_total Records JetStream acknowledged, by kind.\n"
           "# TYPE camdex_cluster_published_total counter\n");
    const char *kinds[] = {"events", "health", "cameras", "heartbeats"};
    uint64_t n[] = {st.events_sent, st.health_sent, st.cameras_sent, st.heartbeats_sent};
    for (int i = 0; i < 4; i++)
        add(t, "camdex_cluster_published_total{zone=\"%s\",kind=\"%s\"} %" PRIu64 "\n", zone,
            kinds[i], n[i]);
    add(t,
        "# HELP camdex_cluster_publish_failures_total Messages NATS did not acknowledge "
        "(sent again).\n# TYPE camdex_cluster_publish_failures_total counter\n"
        "camdex_cluster_publish_failures_total{zone=\"%s\"} %" PRIu64 "\n",
        zone, st.publish_failures);
}

static void central_series(struct text *t, struct cluster_central *c)
{
    struct cluster_zone_stats zs[64];
    size_t n = cluster_central_get_stats(c, zs, 64);
    n = n < 64 ? n : 64;
    int64_t now = cluster_now_ms();
    add(t, "# HELP camdex_cluster_zone_stale 1 while the zone's prober is not heard from.\n"
           "# TYPE camdex_cluster_zone_stale gauge\n");
    for (size_t i = 0; i < n; i++)
        add(t, "camdex_cluster_zone_stale{zone=\"%s\"} %d\n", zs[i].zone, zs[i].stale);
    add(t, "# HELP camdex_cluster_zone_heartbeat_age_seconds Since the zone's newest heartbeat "
           "was sent.\n# TYPE camdex_cluster_zone_heartbeat_age_seconds gauge\n");
    for (size_t i = 0; i < n; i++)
        if (zs[i].last_heartbeat_ms)
            add(t, "camdex_cluster_zone_heartbeat_age_seconds{zone=\"%s\"} %.3f\n", zs[i].zone,
                (double)(now - zs[i].last_heartbeat_ms) / 1000.0);
    add(t, "# HELP camdex_cluster_zone_messages_total Messages read from the zone's stream, by "
           "result.\n# TYPE camdex_cluster_zone_messages_total counter\n");
    for (size_t i = 0; i < n; i++)
        add(t,
            "camdex_cluster_zone_messages_total{zone=\"%s\",result=\"applied\"} %" PRIu64 "\n"
            "camdex_cluster_zone_messages_total{zone=\"%s\",result=\"duplicate\"} %" PRIu64 "\n",
            zs[i].zone, zs[i].applied, zs[i].zone, zs[i].duplicates);
    add(t, "# HELP camdex_cluster_zone_refused_total Messages and records refused (do not "
           "decode, break a rule).\n# TYPE camdex_cluster_zone_refused_total counter\n");
    for (size_t i = 0; i < n; i++)
        add(t, "camdex_cluster_zone_refused_total{zone=\"%s\"} %" PRIu64 "\n", zs[i].zone,
            zs[i].refused);
    add(t, "# HELP camdex_cluster_zone_claims_refused_total Cameras the zone claimed that "
           "another zone claimed first.\n# TYPE camdex_cluster_zone_claims_refused_total "
           "counter\n");
    for (size_t i = 0; i < n; i++)
        add(t, "camdex_cluster_zone_claims_refused_total{zone=\"%s\"} %" PRIu64 "\n", zs[i].zone,
            zs[i].claims_refused);
}

char *cluster_metrics_text(struct cluster_prober *p, const char *zone, struct cluster_central *c)
{
    struct text t = {0};
    add(&t, "%s", "");
    if (p)
        prober_series(&t, p, zone);
    if (c)
        central_series(&t, c);
    return t.buf;
}
