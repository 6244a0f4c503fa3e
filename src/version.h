#ifndef AAA_VERSION_H
#define AAA_VERSION_H
#ifndef AAA_VERSION
#define AAA_VERSION "0.1.0"
#endif
#endif
