# tensorpool-csi - build, test and demo.
#   make          build build/tensorpool-csi and build/tp-emulator (release)
#   make check    install what is missing, build, run every test suite
#   make demo     install what is missing, build, walk volumes through the CSI calls built so far
#   make bench    gRPC latency/throughput benchmark (see BENCHMARKS.md)
#   make sanity   run csi-sanity from PATH against the driver, when installed

CC      ?= gcc
PYTHON  := /usr/bin/python3
B       := build
GEN     := $(B)/gen
PYGEN   := $(B)/py

VERSION := $(shell cat VERSION)$(shell git rev-parse --short HEAD >/dev/null 2>&1 && echo "+g$$(git rev-parse --short HEAD)")

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -I$(GEN) -MMD -MP
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDLIBS  := -lgrpc -lgpr -lprotobuf-c -ljansson -lcurl -lpthread
# protoc-c output does not pass the project's stricter warnings; keep -Werror on the rest.
GENFLAGS := -Wno-missing-prototypes -Wno-unused-parameter -Wno-shadow

PROTOS  := proto/csi.proto
WKT     := wrappers timestamp descriptor
GEN_C   := $(GEN)/csi.pb-c.c $(GEN)/google/protobuf/wrappers.pb-c.c \
           $(GEN)/google/protobuf/timestamp.pb-c.c $(GEN)/csi_secrets.c
TEST_GEN_C := $(GEN)/testsvc.pb-c.c

CORE_SRC := $(wildcard csi/*.c controller/*.c node/*.c tensorpool/*.c)
CORE_SRC := $(filter-out csi/main.c,$(CORE_SRC))
TESTD_SRC := tests/support/testd_main.c tests/support/test_service.c
UNIT_SRC := $(wildcard tests/unit/test_*.c)
# The TensorPool API emulator: its own program, no generated code, no gRPC.
EMU_SRC  := $(wildcard tools/tp-emulator/*.c)
EMU_LIBS := -lmicrohttpd -ljansson -lpthread

obj = $(patsubst %.c,$(B)/$(1)/%.o,$(2))
CORE_REL  := $(call obj,rel,$(CORE_SRC) $(GEN_C))
CORE_ASAN := $(call obj,asan,$(CORE_SRC) $(GEN_C))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/asan/tests/unit/%,$(UNIT_SRC))

.PHONY: FORCE all setup test-bins check unit integration conformance valgrind fuzz lint demo bench sanity clean
all: $(B)/tensorpool-csi $(B)/tp-emulator

setup:
	@bash scripts/setup.sh

# ---- generated code (built, never committed) ----
# One protoc-c run writes csi and the well-known types it imports; the stamp
# keeps parallel make from running it once per output.
$(GEN)/.csi.stamp: $(PROTOS) | $(GEN)
	protoc-c -Iproto -I/usr/include --c_out=$(GEN) $(PROTOS) \
	  $(foreach p,$(WKT),/usr/include/google/protobuf/$(p).proto)
	@touch $@
$(filter-out $(GEN)/csi_secrets.c,$(GEN_C)) $(GEN)/csi.pb-c.h: $(GEN)/.csi.stamp ;
$(GEN)/testsvc.pb-c.c: tests/support/testsvc.proto | $(GEN)
	protoc-c -Itests/support --c_out=$(GEN) $<
$(PYGEN)/csi_pb2.py: $(PROTOS) tests/support/testsvc.proto | $(PYGEN)
	protoc -Iproto -I. -I/usr/include --python_out=$(PYGEN) --grpc_python_out=$(PYGEN) \
	  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin $(PROTOS)
	protoc -Itests/support --python_out=$(PYGEN) --grpc_python_out=$(PYGEN) \
	  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin tests/support/testsvc.proto
$(GEN)/csi_secrets.c: proto/gen_secrets.py $(PYGEN)/csi_pb2.py | $(GEN)
	$(PYTHON) proto/gen_secrets.py $(PYGEN) > $@.tmp && mv $@.tmp $@
# Rewritten only when the version changes, so a commit rebuilds one object.
$(GEN)/version.h: FORCE | $(GEN)
	@echo '#define CSI_VERSION "$(VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
FORCE:
$(GEN) $(PYGEN):
	mkdir -p $@

# ---- objects: release (rel) and AddressSanitizer+UBSan (asan) ----
$(B)/rel/$(GEN)/%.o: $(GEN)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(GENFLAGS) -c $< -o $@
$(B)/asan/$(GEN)/%.o: $(GEN)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(GENFLAGS) $(SAN) -c $< -o $@
$(B)/rel/%.o: %.c | $(GEN)/.csi.stamp $(GEN)/testsvc.pb-c.c $(GEN)/version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
$(B)/asan/%.o: %.c | $(GEN)/.csi.stamp $(GEN)/testsvc.pb-c.c $(GEN)/version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@

# The emulator needs none of the generated code, so its objects skip the
# protoc prerequisites (the longer pattern wins over $(B)/rel/%.o).
$(B)/rel/tools/tp-emulator/%.o: tools/tp-emulator/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# ---- programs ----
$(B)/tensorpool-csi: $(CORE_REL) $(B)/rel/csi/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(B)/asan/tensorpool-csi: $(CORE_ASAN) $(B)/asan/csi/main.o
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
$(B)/tensorpool-csi-testd: $(CORE_REL) $(call obj,rel,$(TESTD_SRC) $(TEST_GEN_C))
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(B)/asan/tensorpool-csi-testd: $(CORE_ASAN) $(call obj,asan,$(TESTD_SRC) $(TEST_GEN_C))
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
$(B)/asan/tests/unit/%: $(B)/asan/tests/unit/%.o $(CORE_ASAN)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS) -lcmocka
$(B)/grpc-bench: $(B)/rel/bench/grpc/grpc_bench.o $(CORE_REL)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(B)/tp-emulator: $(call obj,rel,$(EMU_SRC))
	$(CC) $(CFLAGS) -o $@ $^ $(EMU_LIBS)

# ---- tests ----
TEST_BINS := $(B)/deadfs $(B)/fuzz/fuzz_tp_parse $(B)/tensorpool-csi-testd all $(B)/tp-emulator $(B)/asan/tensorpool-csi $(B)/asan/tensorpool-csi-testd $(UNIT_BINS) $(PYGEN)/csi_pb2.py
test-bins: $(TEST_BINS)

check: setup
	@$(MAKE) --no-print-directory test-bins
	@bash tests/run_all.sh

unit: $(UNIT_BINS)
	@bash tests/run_all.sh unit
integration: test-bins
	@bash tests/run_all.sh integration
valgrind: test-bins
	@bash tests/run_all.sh valgrind
lint:
	@bash tests/run_all.sh lint
conformance: test-bins
	@bash tests/run_all.sh conformance
fuzz: $(B)/fuzz/fuzz_tp_parse
	@bash tests/run_all.sh fuzz

demo: setup
	@$(MAKE) --no-print-directory all $(PYGEN)/csi_pb2.py
	@bash scripts/demo.sh

bench: all $(B)/grpc-bench
	@bash bench/grpc/run.sh

sanity: all
	@bash scripts/sanity.sh

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- fuzzing (clang + libFuzzer; run by `make check` with a fixed budget) ----
FUZZ_FLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I$(GEN) -fsanitize=fuzzer,address,undefined
$(B)/fuzz/fuzz_tp_parse: tests/fuzz/fuzz_tp_parse.c tensorpool/parse.c tensorpool/parse.h tensorpool/tp.h
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_tp_parse.c tensorpool/parse.c -ljansson

# ---- test helpers that need extra libraries ----
$(B)/deadfs: tests/support/deadfs.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 $$(pkg-config --cflags fuse3) -o $@ $< $$(pkg-config --libs fuse3)
