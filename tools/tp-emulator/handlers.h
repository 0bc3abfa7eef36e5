/* handlers.h - every endpoint handler, grouped by the file that holds it. All
 * run with the state lock held and fill the call's reply (see http.h). */
#ifndef EMU_HANDLERS_H
#define EMU_HANDLERS_H

#include "http.h"

/* health.c */
void emu_handle_healthz(struct emu_call *c);
void emu_handle_health(struct emu_call *c);

/* storage.c */
void emu_handle_storage_create(struct emu_call *c);
void emu_handle_storage_destroy(struct emu_call *c);
void emu_handle_storage_edit(struct emu_call *c);
void emu_handle_storage_attach(struct emu_call *c);
void emu_handle_storage_detach(struct emu_call *c);
void emu_handle_storage_list(struct emu_call *c);
void emu_handle_storage_info(struct emu_call *c);

/* requests.c */
void emu_handle_request_info(struct emu_call *c);

/* objects.c */
void emu_handle_os_enable(struct emu_call *c);
void emu_handle_os_credentials(struct emu_call *c);
void emu_handle_os_disable(struct emu_call *c);
void emu_handle_bucket_list(struct emu_call *c);
void emu_handle_bucket_create(struct emu_call *c);
void emu_handle_bucket_delete(struct emu_call *c);

/* admin.c (emulator extension) */
void emu_handle_admin_faults_get(struct emu_call *c);
void emu_handle_admin_faults_put(struct emu_call *c);
void emu_handle_admin_config_get(struct emu_call *c);
void emu_handle_admin_config_put(struct emu_call *c);
void emu_handle_admin_stats(struct emu_call *c);
void emu_handle_admin_reset(struct emu_call *c);
void emu_handle_admin_bucket_objects(struct emu_call *c);

#endif
