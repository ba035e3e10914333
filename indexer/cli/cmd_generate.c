/* `camdex generate`: a deterministic Sharp-Eyes-like fleet as an inventory
 * CSV, for tests, the simulator and demonstrations. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_internal.h"
#include "inventory/synth_fleet.h"

static void generate_usage(FILE *f)
{
    fprintf(f, "usage: camdex generate [--cameras N] [--units N] [--seed S] [--port P]\n"
               "                       [--http-port P] [--rtmp-port P]\n\n"
               "Writes an inventory CSV to stdout: N cameras (default 43000) in N units\n"
               "(default 212: 26 municipal departments and 186 key social units), GB/T\n"
               "28181 ids, Hikvision- and Dahua-style RTSP URLs on 127.1.x.y:P (default\n"
               "8554), some HLS and HTTP-FLV (port --http-port, default 8080) and RTMP\n"
               "(--rtmp-port, default 1935) platform URLs. Same options, same file.\n");
}

static int parse_u32(const char *opt, const char *arg, uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long long v = strtoull(arg, &end, 10);
    if (*arg == '-' || *end || end == arg || v > max) {
        cli_error("--%s: \"%s\" is not a number from 0 to %u", opt, arg, max);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int cmd_generate(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    static const struct option opts[] = {
        {"cameras", required_argument, NULL, 'c'}, {"units", required_argument, NULL, 'u'},
        {"seed", required_argument, NULL, 's'},    {"port", required_argument, NULL, 'p'},
        {"http-port", required_argument, NULL, 'H'},
        {"rtmp-port", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},          {0},
    };
    struct synth_fleet_opts o = {0};
    uint32_t v;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (parse_u32("cameras", optarg, SYNTH_FLEET_CAMERAS_MAX, &o.cameras))
                return CLI_USAGE;
            break;
        case 'u':
            if (parse_u32("units", optarg, 100000, &o.units))
                return CLI_USAGE;
            break;
        case 's':
            if (parse_u32("seed", optarg, UINT32_MAX, &v))
                return CLI_USAGE;
            o.seed = v;
            break;
        case 'p':
            if (parse_u32("port", optarg, 65535, &v))
                return CLI_USAGE;
            o.port = (uint16_t)v;
            break;
        case 'H':
        case 'R':
            if (parse_u32(c == 'H' ? "http-port" : "rtmp-port", optarg, 65535, &v))
                return CLI_USAGE;
            *(c == 'H' ? &o.http_port : &o.rtmp_port) = (uint16_t)v;
            break;
        case 'h':
            generate_usage(stdout);
            return CLI_OK;
        default:
            generate_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("generate: unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    int rc = synth_fleet_write_csv(stdout, &o);
    if (rc == -EINVAL) {
        cli_error("generate: impossible fleet (more units than cameras?)");
        return CLI_USAGE;
    }
    if (rc) {
        cli_error("generate: writing the inventory failed");
        return CLI_FAIL;
    }
    return CLI_OK;
}
