// Header-only shim over libpq (Debian's libpq-dev): PostgreSQL's own client library, which the PostgreSQL
// journal uses from its one shipping thread (a blocking client fits a dedicated thread; see docs/DEPLOY.md).
#ifndef ABTOP_CLIBPQ_SHIM_H
#define ABTOP_CLIBPQ_SHIM_H

#include <postgresql/libpq-fe.h>

#endif
