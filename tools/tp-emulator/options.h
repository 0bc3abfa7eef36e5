/* options.h - the command line. One table drives getopt_long and --help, so a
 * flag cannot exist in one and not the other. Parsing never prints: main
 * prints the error or the usage text built here. */
#ifndef EMU_OPTIONS_H
#define EMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faults.h"
#include "state.h"

struct emu_options {
    uint16_t port;
    const char *port_file;
    const char *state_path;
    const char *api_key;
    const char *host_root;
    const char *data_dir;
    struct emu_config cfg;
    struct emu_s3 s3;
    struct emu_faults faults;
    bool log;
};

enum emu_parse_result { EMU_PARSE_OK, EMU_PARSE_HELP, EMU_PARSE_ERROR };

/* EMU_PARSE_ERROR fills why with one line naming the flag. */
enum emu_parse_result emu_options_parse(int argc, char **argv, struct emu_options *o, char *why,
                                        size_t whylen);
/* The full --help text; malloc'd, NULL on OOM. */
char *emu_options_usage(void);

#endif
