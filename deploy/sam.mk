# The Lambda build (included by the Makefile).
#
#   make lambda-libs     libcurl and libxml2 from Debian's sources, trimmed
#                        to what aaa uses, static (deploy/lambda-libs.sh)
#   make lambda-bin      $(LAMBDA_BUILD)/aaa linked with them
#   make package         build/aaa-lambda.zip from $(LAMBDA_BUILD)/aaa (under 5 MB)
#   make package-system  the same zip from build/aaa and Debian's shared
#                        libcurl/libxml2 (about 23 MB; no source build)
#   sam build            runs deploy/sam/Makefile (the functions' CodeUri), which
#                        runs make package once and unpacks the zip for each
#                        function (one zip, three handlers)
#
# Debian's shared libcurl and libxml2 pull in ICU, GnuTLS, Kerberos, LDAP,
# SSH and more (deploy/README.md, "Size"); linking trimmed static builds of
# those two is what brings the zip under Lambda's 5 MB target. OpenSSL,
# cJSON and glibc stay Debian's shared libraries, shipped in lib/.

LAMBDA_BUILD  ?= build/lambda
LAMBDA_LIBS   ?= $(LAMBDA_BUILD)/libs
LAMBDA_PREFIX := $(LAMBDA_LIBS)/prefix
LAMBDA_ZIP    ?= $(BUILD)/aaa-lambda.zip
LAMBDA_MAX_BYTES ?= 5242880

LAMBDA_PKG_CFLAGS = -DCURL_STATICLIB -I$(LAMBDA_PREFIX)/include \
	-I$(LAMBDA_PREFIX)/include/libxml2 $(shell pkg-config --cflags openssl libcjson 2>/dev/null)
LAMBDA_PKG_LIBS = -L$(LAMBDA_PREFIX)/lib -Wl,-Bstatic -lcurl -lxml2 -Wl,-Bdynamic \
	$(shell pkg-config --libs openssl libcjson 2>/dev/null) -pthread

.PHONY: lambda-libs lambda-bin lambda-tools package-system

lambda-libs:
	@sh deploy/lambda-libs.sh $(LAMBDA_LIBS)

# The objects live in their own build folder: they are compiled against the
# trimmed libraries' headers.
lambda-bin: lambda-libs
	$(MAKE) BUILD=$(LAMBDA_BUILD) PKG_CFLAGS="$(LAMBDA_PKG_CFLAGS)" \
		PKG_LIBS="$(LAMBDA_PKG_LIBS)" $(LAMBDA_BUILD)/aaa

# `make package` (its recipe is the Makefile's: sh deploy/package.sh) packages
# the trimmed binary and fails above the 5 MB target.
package: lambda-bin
package: export AAA_BIN = $(LAMBDA_BUILD)/aaa
package: export OUT = $(LAMBDA_ZIP)
package: export MAX_BYTES = $(LAMBDA_MAX_BYTES)

package-system: all
	@AAA_BIN=$(BUILD)/aaa OUT=$(BUILD)/aaa-lambda-system.zip sh deploy/package.sh

# The test programs linked the same way, so the HTTP and TLS tests can run
# against the trimmed libcurl: AAA_BUILD=$(LAMBDA_BUILD) pytest tests/integration/test_http.py
lambda-tools: lambda-libs
	$(MAKE) BUILD=$(LAMBDA_BUILD) PKG_CFLAGS="$(LAMBDA_PKG_CFLAGS)" \
		PKG_LIBS="$(LAMBDA_PKG_LIBS)" tools
