/* services.h - the CSI services this binary can register. Each one's `data`
 * is set to the daemon's struct csi_driver before the server starts. */
#ifndef CSI_SERVICES_H
#define CSI_SERVICES_H

#include "csi/service.h"

extern struct csi_service csi_identity_service;   /* csi/identity.c */
extern struct csi_service csi_controller_service; /* controller/controller.c */
extern struct csi_service csi_node_service;       /* node/node.c */

#endif
