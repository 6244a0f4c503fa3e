SRCS += src/xml/xml.c
UNIT_SRCS += tests/unit/test_xml.c
