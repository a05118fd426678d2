/* apid's route table: the one place where endpoints are added. */
#ifndef PUSHY_APID_ROUTES_H
#define PUSHY_APID_ROUTES_H

#include <stddef.h>

#include "apid/router.h"

extern const struct route api_routes[];
extern const size_t api_nroutes;

#endif
