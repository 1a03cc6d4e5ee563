#ifndef CHOROS_CSODIUM_SHIM_H
#define CHOROS_CSODIUM_SHIM_H

#include <sodium.h>

#endif
