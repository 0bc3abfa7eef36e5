/* main.c - tp-emulator: parse flags, load the state file, start the ticker and
 * the HTTP server, publish the port, then wait for SIGTERM/SIGINT and stop
 * everything in order (exit 0). The only file besides log.c that prints. */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "log.h"
#include "options.h"
#include "persist.h"
#include "server.h"
#include "state.h"
#include "stop.h"
#include "ticker.h"

static int usage_error(const char *why)
{
    char *usage = emu_options_usage();
    fprintf(stderr, "tp-emulator: %s\n%s", why, usage ? usage : "");
    free(usage);
    return 2;
}

static int print_help(void)
{
    char *usage = emu_options_usage();
    fputs(usage ? usage : "out of memory\n", stdout);
    free(usage);
    return usage ? 0 : 1;
}

/* <dir of --state>/data unless --data-dir says otherwise; none without a
 * state file, as there is then nowhere to keep data across runs. */
static char *data_dir_for(const struct emu_options *o)
{
    char *copy, *dir = NULL;

    if (o->data_dir)
        return strdup(o->data_dir);
    if (!o->state_path || !(copy = strdup(o->state_path)))
        return NULL;
    if (asprintf(&dir, "%s/data", dirname(copy)) < 0)
        dir = NULL;
    free(copy);
    return dir;
}

static bool write_port_file(const char *path, unsigned port)
{
    char *tmp;
    FILE *f;
    bool ok;

    if (asprintf(&tmp, "%s.tmp", path) < 0)
        return false;
    f = fopen(tmp, "w");
    ok = f && fprintf(f, "%u\n", port) > 0;
    ok = f && fclose(f) == 0 && ok;
    /* Renamed into place so a reader never sees a half-written number. */
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

static bool init_state(struct emu_state *st, const struct emu_options *o)
{
    char why[512];

    if (!emu_state_init(st)) {
        fprintf(stderr, "tp-emulator: out of memory\n");
        return false;
    }
    st->path = o->state_path;
    st->data_dir = data_dir_for(o);
    st->host_root = o->host_root;
    st->cfg = o->cfg;
    st->s3 = o->s3;
    emu_faults_configure(&st->faults, &o->faults);
    if (!emu_state_load(st, why, sizeof why)) {
        fprintf(stderr, "tp-emulator: state file %s is corrupt: %s\n", o->state_path, why);
        return false;
    }
    if (!emu_state_save(st, why, sizeof why)) {
        fprintf(stderr, "tp-emulator: %s\n", why);
        return false;
    }
    return true;
}

static int wait_for_signal(const sigset_t *stop_signals)
{
    int sig = 0;
    while (sigwait(stop_signals, &sig) != 0)
        ;
    return sig;
}

static int serve(const struct emu_options *o, struct emu_state *st, const sigset_t *stop_signals)
{
    struct emu_ticker ticker = {0};
    struct emu_server srv = {0};
    char why[256];
    int rc = 0;

    if (!emu_ticker_start(&ticker, st)) {
        fprintf(stderr, "tp-emulator: cannot start the ticker thread\n");
        return 1;
    }
    if (!emu_server_start(&srv, st, o->api_key, o->port, why, sizeof why)) {
        fprintf(stderr, "tp-emulator: %s\n", why);
        rc = 1;
    } else if (o->port_file && !write_port_file(o->port_file, srv.port)) {
        fprintf(stderr, "tp-emulator: cannot write --port-file %s: %s\n", o->port_file,
                strerror(errno));
        rc = 1;
    } else {
        emu_log("listening on http://127.0.0.1:%u", srv.port);
        emu_log("stopping on signal %d", wait_for_signal(stop_signals));
    }
    emu_stop_begin();
    emu_server_stop(&srv);
    emu_ticker_stop(&ticker);
    return rc;
}

int main(int argc, char **argv)
{
    struct emu_options o;
    struct emu_state st;
    sigset_t stop_signals;
    char why[256];
    int rc;

    switch (emu_options_parse(argc, argv, &o, why, sizeof why)) {
    case EMU_PARSE_HELP:
        return print_help();
    case EMU_PARSE_ERROR:
        return usage_error(why);
    default:
        break;
    }
    /* Blocked before any thread starts, so every thread inherits the mask and
     * only sigwait() in main sees the stop signals. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    emu_log_set_requests(o.log);
    emu_ids_init();

    if (!init_state(&st, &o)) {
        emu_state_free(&st);
        return 1;
    }
    rc = serve(&o, &st, &stop_signals);
    emu_state_free(&st);
    return rc;
}
