/* cli_tp.h - `tensorpool-csi tp`: the TensorPool API client from the
 * command line, for operators and for the tests that drive the client
 * against the emulator. */
#ifndef CSI_CLI_TP_H
#define CSI_CLI_TP_H

/* argv[0] is "tp". 0: done (JSON on stdout); 1: the API said no (one line
 * "CODE (reason): message" on stderr); 2: bad usage. */
int csi_cli_tp(int argc, char **argv);

#endif
