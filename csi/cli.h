/* cli.h - `tensorpool-csi call`: one CSI call from the command line, JSON in
 * and JSON out, typed by the protobuf-c descriptors. */
#ifndef CSI_CLI_H
#define CSI_CLI_H

/* argv[0] is "call". Returns 0 on an OK reply (printed as JSON on stdout),
 * 1 on an error status (printed as "CODE: message" on stderr), 2 on bad usage. */
int csi_cli_call(int argc, char **argv);

#endif
