# slaterl — set-up, build and test on Debian 12.
#   make quickstart   install what is missing, build the slaterl binary, run configs/quickstart.yaml
#   make test         install what is missing, build, run the whole test suite (ctest)
#   make build        build everything (the slaterl binary, tests, benchmarks)
# A second `make` with nothing changed installs nothing and rebuilds nothing.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PACKAGES := cmake make g++ pkg-config git ccache \
  libtorch-dev libopenblas0-pthread libzmq3-dev cppzmq-dev libcereal-dev \
  libboost-dev libboost-filesystem-dev libyaml-cpp-dev libgtest-dev \
  python3-protobuf
# Only for the multi-node tests (`make test`): a one-node Slurm cluster and network namespaces.
TEST_PACKAGES := slurm-wlm munge iproute2

.PHONY: all deps test-deps install-missing build test quickstart clean docs results-docs parity-docs performance-docs

all: build

# Installs only the packages that are missing (dpkg-query decides, so a second run is a no-op).
deps:
	@$(MAKE) --no-print-directory install-missing LIST="$(PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-missing LIST="$(TEST_PACKAGES)"

install-missing:
	@missing=$$(for p in $(LIST); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "slaterl: installing missing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD_DIR)/Makefile: CMakeLists.txt | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/Makefile
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Ends with the counts, e.g. `ctest: 42 passed, 0 failed, 1 skipped`, taken from ctest's summary:
# "skipped" are the tests that did not run here (ctest's "Skipped" and "Disabled"); they never
# count as passed, and under CI=true a test that cannot run fails instead. The exit code is ctest's.
test: build test-deps
	@cd $(BUILD_DIR) && { ctest --output-on-failure -j $(JOBS); echo $$? > ctest.rc; } | tee ctest.log; \
	rc=$$(cat ctest.rc); \
	awk '/tests failed out of/ { for (i = 2; i <= NF; i++) if ($$i == "failed") f = $$(i - 2); t = $$NF; seen = 1 } \
	     /^The following tests did not run:/ { list = 1; next } \
	     list && /^\t/ { s++; if (/\(Disabled\)$$/) d++; next } \
	     { list = 0 } \
	     END { if (seen) printf "ctest: %d passed, %d failed, %d skipped\n", t - f - (s - d), f, s; \
	           else printf "ctest: no summary line (exit code %d)\n", rc }' rc=$$rc ctest.log; \
	exit $$rc

# Only the `slaterl` binary: the first run needs none of the test binaries.
quickstart: deps $(BUILD_DIR)/Makefile
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target slaterl
	$(BUILD_DIR)/slaterl launch configs/quickstart.yaml

# Regenerates docs/config.md from the config schemas (a test checks they agree).
docs: build
	$(BUILD_DIR)/slaterl docs config > docs/config.md

# Regenerates docs/results.md from the committed sweep directories in data/results/ (a test checks
# the page is current); bench/results.sh reruns one sweep and exports it there.
RESULT_DIRS = $(sort $(patsubst %/,%,$(wildcard data/results/*/)))
results-docs: build
	@for d in $(RESULT_DIRS); do $(BUILD_DIR)/slaterl report $$d > /dev/null || exit 1; done
	$(BUILD_DIR)/slaterl report --markdown $(RESULT_DIRS) > docs/results.md

# Regenerates docs/parity.md: every reference row of data/reference/reference.csv against our envs.
parity-docs: build
	$(BUILD_DIR)/slaterl parity > docs/parity.md

# Regenerates docs/performance.md: bench/performance.sh runs every benchmark the page shows (a few
# minutes) and writes each command line with its markdown output and the machine's load.
performance-docs: build
	BUILD_DIR=$(BUILD_DIR) bench/performance.sh

clean:
	rm -rf $(BUILD_DIR)
