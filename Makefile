# slaterl — set-up, build and test on Debian 12.
#   make quickstart   install what is missing, build, run configs/quickstart.yaml
#   make test         install what is missing, build, run the whole test suite (ctest)
#   make build        build only
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

.PHONY: all deps test-deps install-missing build test quickstart clean docs

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

test: build test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

quickstart: build
	$(BUILD_DIR)/slaterl launch configs/quickstart.yaml

# Regenerates docs/config.md from the config schemas (a test checks they agree).
docs: build
	$(BUILD_DIR)/slaterl docs config > docs/config.md

clean:
	rm -rf $(BUILD_DIR)
