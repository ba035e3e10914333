/* One NATS connection from [cluster]; see nats_link.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cluster/nats_link.h"
#include "cluster/wire.h"

/* Streams keep a week: a zone's prober that was cut off longer than that
 * resends from its index anyway (it keeps its own cursor). */
#define STREAM_MAX_AGE_NS  (7LL * 86400 * 1000000000LL)
#define CONNECT_TIMEOUT_MS 2000
#define RECONNECT_WAIT_MS  500

int nats_link_err(natsStatus s)
{
    switch (s) {
    case NATS_OK:
        return 0;
    case NATS_NO_MEMORY:
        return -ENOMEM;
    case NATS_TIMEOUT:
        return -ETIMEDOUT;
    case NATS_NOT_FOUND:
        return -ENOENT;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
        return -EINVAL;
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_NOT_YET_CONNECTED:
    case NATS_STALE_CONNECTION:
        return -ENOTCONN;
    case NATS_NOT_PERMITTED:
    case NATS_CONNECTION_AUTH_FAILED:
        return -EACCES;
    case NATS_NO_RESPONDERS:
        return -EHOSTUNREACH;
    default:
        return -EIO;
    }
}

/* "nats://a:4222,nats://b:4222" into the options' server list. */
static natsStatus set_servers(natsOptions *o, const char *list)
{
    char copy[1024];
    const char *servers[16];
    int n = 0;
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t && n < 16;
         t = strtok_r(NULL, ", ", &save))
        servers[n++] = t;
    return n ? natsOptions_SetServers(o, servers, n) : NATS_INVALID_ARG;
}

static natsStatus set_security(natsOptions *o, const struct config *c)
{
    natsStatus s = NATS_OK;
    if (c->cluster_creds[0])
        s = natsOptions_SetUserCredentialsFromFiles(o, c->cluster_creds, NULL);
    if (s == NATS_OK && c->cluster_user[0])
        s = natsOptions_SetUserInfo(o, c->cluster_user, c->cluster_password);
    if (s == NATS_OK && c->cluster_tls_ca[0]) {
        s = natsOptions_SetSecure(o, true);
        if (s == NATS_OK)
            s = natsOptions_LoadCATrustedCertificates(o, c->cluster_tls_ca);
    }
    if (s == NATS_OK && c->cluster_tls_cert[0])
        s = natsOptions_LoadCertificatesChain(o, c->cluster_tls_cert, c->cluster_tls_key);
    return s;
}

/* Given to the client so that a first connection that fails goes on in
 * the background instead of blocking the caller (the client retries
 * synchronously without one). */
static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
}

int nats_link_open(const struct config *cfg, const char *name, natsConnection **nc, jsCtx **js,
                   char *err, size_t errlen)
{
    natsOptions *o = NULL;
    *nc = NULL;
    *js = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = set_servers(o, cfg->cluster_nats);
    if (s != NATS_OK) {
        snprintf(err, errlen,
                 "[cluster] nats: \"%s\" is not a list of NATS servers (nats://HOST:PORT,...)",
                 cfg->cluster_nats);
        natsOptions_Destroy(o);
        return -EINVAL;
    }
    s = set_security(o, cfg);
    if (s != NATS_OK) {
        /* The client's text names the file, never its contents. */
        snprintf(err, errlen, "[cluster] credentials or TLS files cannot be used: %s",
                 natsStatus_GetText(s));
        natsOptions_Destroy(o);
        return nats_link_err(s);
    }
    natsOptions_SetName(o, name);
    natsOptions_SetTimeout(o, CONNECT_TIMEOUT_MS);
    natsOptions_SetMaxReconnect(o, -1);
    natsOptions_SetReconnectWait(o, RECONNECT_WAIT_MS);
    /* While cut off, nothing is buffered for later: the prober resends
     * from its index, and a buffer would hide the failure. */
    natsOptions_SetReconnectBufSize(o, 0);
    natsOptions_SetRetryOnFailedConnect(o, true, on_connected, NULL);
    s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        snprintf(err, errlen, "cannot connect to NATS at %s: %s", cfg->cluster_nats,
                 natsStatus_GetText(s));
        return nats_link_err(s);
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    s = natsConnection_JetStream(js, *nc, &jo);
    if (s != NATS_OK) {
        snprintf(err, errlen, "NATS JetStream context: %s", natsStatus_GetText(s));
        nats_link_close(nc, js);
        return nats_link_err(s);
    }
    return 0;
}

void nats_link_close(natsConnection **nc, jsCtx **js)
{
    if (*js)
        jsCtx_Destroy(*js);
    if (*nc) {
        natsConnection_Close(*nc);
        natsConnection_Destroy(*nc);
    }
    *js = NULL;
    *nc = NULL;
}

int nats_link_ensure_stream(jsCtx *js, const char *zone, int replicas, char *err, size_t errlen)
{
    char name[64], subject[64];
    wire_stream_name(name, sizeof(name), zone);
    snprintf(subject, sizeof(subject), "camdex.%s.*", zone);
    const char *subjects[] = {subject};
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = name;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.MaxAge = STREAM_MAX_AGE_NS;
    sc.Replicas = replicas > 0 ? replicas : 1;
    jsErrCode je = 0;
    natsStatus s = js_AddStream(NULL, js, &sc, NULL, &je);
    if (s == NATS_OK || je == JSStreamNameExistErr)
        return 0;
    snprintf(err, errlen, "JetStream stream %s cannot be created: %s (error %d)", name,
             natsStatus_GetText(s), (int)je);
    return nats_link_err(s) ? nats_link_err(s) : -EIO;
}
