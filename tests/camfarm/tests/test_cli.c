/* camfarm as a program: readiness a script can wait on (stdout line,
 * --ready-fd, --pidfile), errors a person can act on, and control commands
 * that affect live sessions. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "farmclient.h"

static char out[8192];

TestSuite(cli, .timeout = 30);

Test(cli, ready_fd_and_pidfile)
{
    int p[2];
    cr_assert_eq(pipe(p), 0); /* no O_CLOEXEC: camfarm inherits the write end */
    char fdarg[16], pidfile[128];
    snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
    snprintf(pidfile, sizeof(pidfile), "%s/camfarm-test-%d.pid",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    const char *args[] = {"--ready-fd", fdarg, "--pidfile", pidfile, NULL};
    struct fc_farm farm;
    cr_assert_eq(fc_start(&farm, "", args), 0);
    close(p[1]);
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    cr_assert_eq(poll(&pfd, 1, 5000), 1, "ready line on --ready-fd");
    ssize_t n = read(p[0], out, sizeof(out) - 1);
    cr_assert_gt(n, 0);
    out[n] = 0;
    cr_expect_str_eq(out, farm.ready);
    /* camfarm closed its end after writing: EOF follows. */
    cr_expect_eq(read(p[0], out, sizeof(out)), 0);
    close(p[0]);
    FILE *f = fopen(pidfile, "r");
    cr_assert_not_null(f);
    long pid = 0;
    cr_expect_eq(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    cr_expect_eq(pid, (long)farm.pid);
    cr_expect_eq(fc_stop(&farm), 0);
    cr_expect_eq(access(pidfile, F_OK), -1, "pidfile removed at exit");
}

Test(cli, errors_say_what_and_where)
{
    const char *no_inv[] = {CAMFARM_BIN, "--inventory", "/nonexistent/fleet.csv",
                            "--clips",   CAMFARM_CLIPS, NULL};
    cr_expect_eq(fc_run(no_inv, out, sizeof(out), 10000), 1);
    cr_expect(strstr(out, "/nonexistent/fleet.csv: No such file or directory") != NULL, "%s", out);

    const char *no_clips[] = {CAMFARM_BIN, "--inventory",        "/dev/null",
                              "--clips",   "/nonexistent/clips", NULL};
    cr_expect_eq(fc_run(no_clips, out, sizeof(out), 10000), 1);
    cr_expect(strstr(out, "run make_clips.sh") != NULL, "%s", out);

    const char *bad_faults[] = {CAMFARM_BIN,   "--inventory", "/dev/null",   "--clips",
                                CAMFARM_CLIPS, "--faults",    "lightning=3", NULL};
    cr_expect_eq(fc_run(bad_faults, out, sizeof(out), 10000), 2);
    cr_expect(strstr(out, "unknown fault \"lightning\"") != NULL, "%s", out);

    const char *usage[] = {CAMFARM_BIN, NULL};
    cr_expect_eq(fc_run(usage, out, sizeof(out), 10000), 2);
    cr_expect(strstr(out, "usage: camfarm") != NULL, "%s", out);
}

Test(cli, control_socket_off_loopback_is_refused)
{
    struct fc_farm farm;
    const char *args[] = {"--control", "0.0.0.0:0", NULL};
    cr_expect_lt(fc_start(&farm, "", args), 0, "control must stay on 127/8");
    fc_stop(&farm);
}

Test(cli, second_farm_on_a_port_in_use_is_refused)
{
    /* SO_REUSEPORT (for syn_drop) must not let two farms split one port. */
    struct fc_farm farm;
    cr_assert_eq(fc_start(&farm, "", NULL), 0);
    char inv[128], listen[32];
    snprintf(inv, sizeof(inv), "%s/inventory.csv", farm.dir);
    snprintf(listen, sizeof(listen), "0.0.0.0:%u", farm.rtsp_port);
    const char *argv[] = {CAMFARM_BIN, "--inventory", inv,         "--clips",     CAMFARM_CLIPS,
                          "--listen",  listen,        "--control", "127.0.0.1:0", NULL};
    cr_expect_eq(fc_run(argv, out, sizeof(out), 10000), 1);
    cr_expect(strstr(out, "address already in use") != NULL, "%s", out);
    cr_expect_eq(fc_stop(&farm), 0);
}

Test(cli, fleet_file_errors_name_the_line)
{
    struct fc_farm farm;
    int rc = fc_start(&farm, "#1 ok\n#2 thunderstorm\n", NULL);
    cr_expect_lt(rc, 0, "camfarm must refuse the fleet file");
    fc_stop(&farm);
}

Test(cli, kill_drops_live_sessions)
{
    struct fc_farm farm;
    cr_assert_eq(fc_start(&farm, FC_FLEET, NULL), 0);
    char s[64], reply[512];
    uint8_t pkt[2048];
    size_t len;
    int cseq = 1, chn, fd = fc_connect(fc_ip(46), farm.rtsp_port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fc_play(&farm, 46, fd, s, sizeof(s), &cseq), 0);
    cr_assert_eq(fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 2000), 0);
    cr_assert_eq(fc_control(&farm, "kill #46", reply, sizeof(reply)), 0);
    cr_expect_str_eq(reply, "ok");
    int rc;
    while ((rc = fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 2000)) == 0)
        ;
    cr_expect_eq(rc, -ECONNRESET, "stream ends with a reset: %s", strerror(-rc));
    fc_close(fd);
    cr_assert_eq(fc_control(&farm, "stats", reply, sizeof(reply)), 0);
    cr_expect(strstr(reply, "\"sessions_open\":0") != NULL, "%s", reply);
    cr_expect_eq(fc_stop(&farm), 0);
}

/* --faults-out: one row per camera with the mode and clip it got, written
 * before the ready line, so a checker can read it as soon as camfarm is
 * ready; a file that cannot be written stops camfarm with its path named. */
Test(cli, faults_out_lists_every_camera_with_its_mode)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/camfarm-truth-%d.csv",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    const char *args[] = {"--faults-out", path, NULL};
    struct fc_farm farm;
    cr_assert_eq(fc_start(&farm, "#2 bad_auth\n#3 low_fps\n#4 ok clip=hd\n", args), 0);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s once ready", path);
    char line[256];
    int rows = 0;
    bool saw2 = false, saw3 = false, saw4 = false;
    cr_assert_not_null(fgets(line, sizeof(line), f));
    cr_expect_str_eq(line, "id,index,mode,arg,clip,width,height,fps\n");
    while (fgets(line, sizeof(line), f)) {
        rows++;
        saw2 |= strstr(line, ",2,bad_auth,0,") != NULL;
        /* The low frame rate keeps the camera's 640x360. */
        saw3 |= strstr(line, ",3,low_fps,0,lowfps,640,360,5\n") != NULL;
        saw4 |= strstr(line, ",4,ok,0,hd,1280,720,25\n") != NULL;
    }
    fclose(f);
    remove(path);
    cr_expect_eq(rows, FC_TEST_CAMERAS);
    cr_expect(saw2 && saw3 && saw4, "modes and clips of #2, #3, #4 in the file");
    cr_expect_eq(fc_stop(&farm), 0);

    const char *bad[] = {"--faults-out", "/nonexistent-dir/truth.csv", NULL};
    cr_expect_neq(fc_start(&farm, "", bad), 0, "camfarm must not get ready");
    fc_stop(&farm);
}
