/*
 * listener.h - opening a listening TCP socket for one configured address.
 */
#ifndef ILSD_SERVER_LISTENER_H
#define ILSD_SERVER_LISTENER_H

#include "server/config.h"

/*
 * Creates, binds and listens on a non-blocking socket for la.  Returns the
 * descriptor, or -1 with the errno value in *err (EACCES for a privileged
 * port without the privilege, EADDRINUSE ...).
 */
int listener_bind(const listen_addr *la, int *err);

#endif
