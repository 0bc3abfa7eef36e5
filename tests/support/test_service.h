/* test_service.h - the test-only service of tensorpool-csi-testd. */
#ifndef TESTS_SUPPORT_TEST_SERVICE_H
#define TESTS_SUPPORT_TEST_SERVICE_H

#include "csi/service.h"

extern struct csi_service test_service;

#endif
